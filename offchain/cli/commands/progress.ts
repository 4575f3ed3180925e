/** Progress lines on stderr at most once a second, so short work stays quiet. */
import { progress } from "../output.js";

export function throttledProgress(intervalMs = 1000): (message: string) => void {
  const started = Date.now();
  let last = started;
  return (message) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    progress(message);
  };
}
