import type { JsonValue } from '@bufbuild/protobuf';

/** A field that differed between live runs of the same worker: noise, left out of the comparison. */
export interface NoisePath {
  /** proto3 JSON path, as `--ignore` takes it. */
  path: string;
  /** Up to three of the live values seen. */
  examples: JsonValue[];
  /** How many answers (outcome keys) it differed in. */
  answers: number;
}

/** Which ignores a replay applied and where each came from. */
export interface NoiseReport {
  /** Live runs compared with each other to learn noise (0: none learned this time). */
  runs: number;
  learned: NoisePath[];
  /** Ignores given by `--ignore` and `--ignore-file` (default ignores not listed). */
  given: string[];
}
