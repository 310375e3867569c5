// Type-only re-exports, so the remote client imports nothing heavy at run time.
export type { ResolvedConfig as ResolvedConfigLike } from '@taskport/container';
export type { OrchestratorService } from '@taskport/core';
