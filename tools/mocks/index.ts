// Mock outputs per resource type and per invoke, merged from one file per domain, so that apply
// chains resolve on the mock engine as they would against the real providers.
import * as ack from "./alicloud";
import * as aws from "./aws";
import * as command from "./command";
import * as kubernetes from "./kubernetes";
import * as random from "./random";
import * as tls from "./tls";
import type { CallMock, OutputsMock } from "./types";

export type { CallMock, OutputsMock };

const domains = [aws, ack, command, kubernetes, random, tls];

export const mockOutputs: Record<string, OutputsMock> = Object.assign({}, ...domains.map((d) => d.outputs));
export const mockCalls: Record<string, CallMock> = Object.assign({}, ...domains.map((d) => d.calls));
