/**
 * The one error type of the ONNX loader, encoder and shape inference: a short, one-line message
 * naming what is wrong (never a raw protobufjs stack). `cause` keeps the underlying error, if any.
 */
export class OnnxFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "OnnxFormatError";
  }
}
