// The shape of one domain's mocks: outputs per resource type, results per invoke.
import type * as pulumi from "@pulumi/pulumi";

export type OutputsMock = (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown>;
export type CallMock = (args: pulumi.runtime.MockCallArgs) => Record<string, unknown>;
