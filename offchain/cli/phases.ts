/**
 * Progress for work over a second: phase messages stay silent while a command is quick, and go to
 * stderr once it has run for a second (the phase then running is printed when the second passes).
 */
import { progress } from "./output.js";

export interface Phases {
  phase(message: string): void;
  done(): void;
}

export function phaseReporter(afterMs = 1000): Phases {
  const started = Date.now();
  let pending: string | undefined;
  let loud = false;
  const timer = setTimeout(() => {
    loud = true;
    if (pending !== undefined) progress(`verinfer: ${pending}...`);
    pending = undefined;
  }, afterMs);
  timer.unref();
  return {
    phase(message) {
      if (loud || Date.now() - started >= afterMs) {
        loud = true;
        progress(`verinfer: ${message}...`);
      } else {
        pending = message;
      }
    },
    done() {
      clearTimeout(timer);
    },
  };
}
