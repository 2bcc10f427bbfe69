// LoopGrid JavaScript SDK: client for the system of record for AI decisions. Node >= 18, no dependencies.
//
//   import { LoopGrid } from 'loopgrid';
//   const grid = new LoopGrid({ baseUrl: 'http://localhost:8000', serviceName: 'support-agent' });
//   const decision = await grid.recordDecision({
//     decisionType: 'customer_support_reply',
//     input: { message: 'I was charged twice' },
//     model: { provider: 'openai', name: 'gpt-4' },
//     output: { response: 'Refund initiated.' },
//   });

export { LoopGrid, LoopGridError, LoopGridAPIError, VERSION, CLIENT, MAX_SERVER_WAIT_SECONDS, MAX_BATCH } from './client.js';
export { Batcher } from './batching.js';
export { wrap, wrapOpenAI, wrapAnthropic, Recorder } from './wrappers.js';
export { LoopGrid as default } from './client.js';
export {
  VerificationError,
  HASH_SIZE,
  leafHash,
  nodeHash,
  emptyRoot,
  inclusionProofLength,
  consistencyProofLength,
  rootFromInclusionProof,
  verifyInclusion,
  verifyConsistency,
  NoteVerifier,
  cosignatureMessage,
  parseNote,
  verifyNote,
  parseCheckpoint,
  formatCheckpoint,
  openCheckpoint,
  verifyCosignature,
} from './verify.js';
export { verifyReceipt, ReceiptError, canonicalJson, entryEnvelope } from './receipts.js';
