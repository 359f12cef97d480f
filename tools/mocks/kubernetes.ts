// Mock outputs for kubernetes resources and invokes (see tools/mocks/index.ts).
import type { CallMock, OutputsMock } from "./types";

export const outputs: Record<string, OutputsMock> = {};
export const calls: Record<string, CallMock> = {};
