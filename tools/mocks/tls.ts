// Mock outputs for tls resources and invokes (see tools/mocks/index.ts).
import type { CallMock, OutputsMock } from "./index";

export const outputs: Record<string, OutputsMock> = {};
export const calls: Record<string, CallMock> = {};
