import { VerinferError } from "../errors.js";

/** The node's database refused: a schema too new, a migration that failed, a broken file. */
export class StoreError extends VerinferError {
  override name = "StoreError";
}
