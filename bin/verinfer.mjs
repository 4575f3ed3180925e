#!/usr/bin/env node
// The verinfer command line. TypeScript sources run through tsx, so there is no build step.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  console.error(
    `verinfer: needs Node.js >= 22.13, this is ${process.versions.node}; run it as \`npx verinfer\` in the project (the project installs Node 22)`,
  );
  process.exit(1);
}
const { register } = await import("tsx/esm/api");
register();
await import("../offchain/cli/main.ts");
