// The ONNX writer moved to src/embed/onnx-proto.ts (the service builds the USE-Lite graph with it at start).
export * from '../../src/embed/onnx-proto.js';
