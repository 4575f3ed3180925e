import { createRequire } from "node:module";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

// The compiler comes from the npm `solc` package (no download: the machines reach only the npm
// registry). Its version must equal the package's, which package.json pins.
const SOLC_VERSION: string = require("solc/package.json").version;

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    version: SOLC_VERSION,
    path: require.resolve("solc/soljson.js"),
    settings: {
      optimizer: { enabled: true, runs: 10_000 },
      evmVersion: "prague",
      viaIR: false,
    },
  },
  paths: {
    tests: {
      mocha: "test",
      solidity: "test/contracts/solidity",
    },
  },
  networks: {
    // In-process chain. Pinned to Osaka so gas figures do not move with Hardhat's default.
    default: {
      type: "edr-simulated",
      chainType: "l1",
      hardfork: "osaka",
    },
    localhost: {
      type: "http",
      chainType: "l1",
      url: process.env.VERINFER_RPC_URL ?? "http://127.0.0.1:8545",
    },
  },
});
