/**
 * The part of onnx.proto the engine reads and writes, as a protobufjs JSON descriptor written from
 * the ONNX spec's field numbers (IR version 10 / onnx 1.17 numbering). Fields the engine never
 * interprets but must recognise (subgraphs, type protos, sparse tensors, functions) are declared as
 * `bytes`: the wire format is the same for a length-delimited message, so they decode without the
 * recursive schema and are only checked for presence.
 */
import protobuf from "protobufjs";

const UNPACKED = { packed: false } as const;
const PACKED = { packed: true } as const;

const descriptor: protobuf.INamespace = {
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: {
          fields: {
            key: { id: 1, type: "string" },
            value: { id: 2, type: "string" },
          },
        },
        OperatorSetIdProto: {
          fields: {
            domain: { id: 1, type: "string" },
            version: { id: 2, type: "int64" },
          },
        },
        TensorShapeProto: {
          fields: {
            dim: { id: 1, type: "Dimension", rule: "repeated" },
          },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ["dimValue", "dimParam"] } },
              fields: {
                dimValue: { id: 1, type: "int64" },
                dimParam: { id: 2, type: "string" },
                denotation: { id: 3, type: "string" },
              },
            },
          },
        },
        TypeProto: {
          oneofs: {
            value: { oneof: ["tensorType", "sequenceType", "mapType", "sparseTensorType", "optionalType"] },
          },
          fields: {
            tensorType: { id: 1, type: "TensorTypeProto" },
            sequenceType: { id: 4, type: "bytes" },
            mapType: { id: 5, type: "bytes" },
            denotation: { id: 6, type: "string" },
            sparseTensorType: { id: 8, type: "bytes" },
            optionalType: { id: 9, type: "bytes" },
          },
        },
        // TypeProto.Tensor, hoisted to a top-level name (names are not part of the wire format).
        TensorTypeProto: {
          fields: {
            elemType: { id: 1, type: "int32" },
            shape: { id: 2, type: "TensorShapeProto" },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { id: 1, type: "string" },
            type: { id: 2, type: "TypeProto" },
            docString: { id: 3, type: "string" },
            metadataProps: { id: 4, type: "StringStringEntryProto", rule: "repeated" },
          },
        },
        TensorProto: {
          fields: {
            dims: { id: 1, type: "int64", rule: "repeated", options: UNPACKED },
            dataType: { id: 2, type: "int32" },
            segment: { id: 3, type: "bytes" },
            floatData: { id: 4, type: "float", rule: "repeated", options: PACKED },
            int32Data: { id: 5, type: "int32", rule: "repeated", options: PACKED },
            stringData: { id: 6, type: "bytes", rule: "repeated" },
            int64Data: { id: 7, type: "int64", rule: "repeated", options: PACKED },
            name: { id: 8, type: "string" },
            rawData: { id: 9, type: "bytes" },
            doubleData: { id: 10, type: "double", rule: "repeated", options: PACKED },
            uint64Data: { id: 11, type: "uint64", rule: "repeated", options: PACKED },
            docString: { id: 12, type: "string" },
            externalData: { id: 13, type: "StringStringEntryProto", rule: "repeated" },
            dataLocation: { id: 14, type: "int32" },
            metadataProps: { id: 16, type: "StringStringEntryProto", rule: "repeated" },
          },
        },
        AttributeProto: {
          fields: {
            name: { id: 1, type: "string" },
            f: { id: 2, type: "float" },
            i: { id: 3, type: "int64" },
            s: { id: 4, type: "bytes" },
            t: { id: 5, type: "TensorProto" },
            g: { id: 6, type: "bytes" },
            floats: { id: 7, type: "float", rule: "repeated", options: UNPACKED },
            ints: { id: 8, type: "int64", rule: "repeated", options: UNPACKED },
            strings: { id: 9, type: "bytes", rule: "repeated" },
            tensors: { id: 10, type: "TensorProto", rule: "repeated" },
            graphs: { id: 11, type: "bytes", rule: "repeated" },
            docString: { id: 13, type: "string" },
            tp: { id: 14, type: "bytes" },
            typeProtos: { id: 15, type: "bytes", rule: "repeated" },
            type: { id: 20, type: "int32" },
            refAttrName: { id: 21, type: "string" },
            sparseTensor: { id: 22, type: "bytes" },
            sparseTensors: { id: 23, type: "bytes", rule: "repeated" },
          },
        },
        NodeProto: {
          fields: {
            input: { id: 1, type: "string", rule: "repeated" },
            output: { id: 2, type: "string", rule: "repeated" },
            name: { id: 3, type: "string" },
            opType: { id: 4, type: "string" },
            attribute: { id: 5, type: "AttributeProto", rule: "repeated" },
            docString: { id: 6, type: "string" },
            domain: { id: 7, type: "string" },
            overload: { id: 8, type: "string" },
            metadataProps: { id: 9, type: "StringStringEntryProto", rule: "repeated" },
          },
        },
        GraphProto: {
          fields: {
            node: { id: 1, type: "NodeProto", rule: "repeated" },
            name: { id: 2, type: "string" },
            initializer: { id: 5, type: "TensorProto", rule: "repeated" },
            docString: { id: 10, type: "string" },
            input: { id: 11, type: "ValueInfoProto", rule: "repeated" },
            output: { id: 12, type: "ValueInfoProto", rule: "repeated" },
            valueInfo: { id: 13, type: "ValueInfoProto", rule: "repeated" },
            quantizationAnnotation: { id: 14, type: "bytes", rule: "repeated" },
            sparseInitializer: { id: 15, type: "bytes", rule: "repeated" },
            metadataProps: { id: 16, type: "StringStringEntryProto", rule: "repeated" },
          },
        },
        ModelProto: {
          fields: {
            irVersion: { id: 1, type: "int64" },
            producerName: { id: 2, type: "string" },
            producerVersion: { id: 3, type: "string" },
            domain: { id: 4, type: "string" },
            modelVersion: { id: 5, type: "int64" },
            docString: { id: 6, type: "string" },
            graph: { id: 7, type: "GraphProto" },
            opsetImport: { id: 8, type: "OperatorSetIdProto", rule: "repeated" },
            metadataProps: { id: 14, type: "StringStringEntryProto", rule: "repeated" },
            trainingInfo: { id: 20, type: "bytes", rule: "repeated" },
            functions: { id: 25, type: "bytes", rule: "repeated" },
            configuration: { id: 26, type: "bytes", rule: "repeated" },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);

/** onnx.ModelProto: a whole .onnx file. */
export const ModelProto: protobuf.Type = root.lookupType("onnx.ModelProto");
/** onnx.TensorProto: also the format of `test_data_set_N/input_N.pb` files. */
export const TensorProto: protobuf.Type = root.lookupType("onnx.TensorProto");

/** ONNX TensorProto.DataLocation: EXTERNAL means the bytes live in another file. */
export const DATA_LOCATION_EXTERNAL = 1;

/** ONNX AttributeProto.AttributeType codes. */
export const AttrType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

/**
 * Plain-object shapes of decoded messages (protobufjs's camelCase field names). An absent
 * sub-message reads as null (protobufjs's prototype default), an absent scalar as its default.
 */
export type Int64 = number | protobuf.Long;

export interface StringStringEntryMsg {
  key: string;
  value: string;
}
export interface TensorMsg {
  dims: Int64[];
  dataType: number;
  segment?: Uint8Array | null;
  floatData: number[];
  int32Data: number[];
  stringData: Uint8Array[];
  int64Data: Int64[];
  name: string;
  rawData?: Uint8Array | null;
  doubleData: number[];
  uint64Data: Int64[];
  externalData: StringStringEntryMsg[];
  dataLocation: number;
}
export interface DimensionMsg {
  dimValue?: Int64;
  dimParam?: string;
  value?: "dimValue" | "dimParam";
}
export interface TypeMsg {
  value?: "tensorType" | "sequenceType" | "mapType" | "sparseTensorType" | "optionalType";
  tensorType?: { elemType: number; shape?: { dim: DimensionMsg[] } | null } | null;
}
export interface ValueInfoMsg {
  name: string;
  type?: TypeMsg | null;
}
export interface AttributeMsg {
  name: string;
  type: number;
  f: number;
  i: Int64;
  s: Uint8Array;
  t?: TensorMsg | null;
  g?: Uint8Array;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
  tensors: TensorMsg[];
  graphs: Uint8Array[];
  tp?: Uint8Array;
  typeProtos: Uint8Array[];
  refAttrName: string;
  sparseTensor?: Uint8Array;
  sparseTensors: Uint8Array[];
}
export interface NodeMsg {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  attribute: AttributeMsg[];
  domain: string;
}
export interface GraphMsg {
  node: NodeMsg[];
  name: string;
  initializer: TensorMsg[];
  input: ValueInfoMsg[];
  output: ValueInfoMsg[];
  valueInfo: ValueInfoMsg[];
  sparseInitializer: Uint8Array[];
}
export interface ModelMsg {
  irVersion: Int64;
  producerName: string;
  graph?: GraphMsg | null;
  opsetImport: { domain: string; version: Int64 }[];
  functions: Uint8Array[];
  trainingInfo: Uint8Array[];
}
