// Builds one ACK cluster and its VPC. Owner: ACK site (issues 3 and 6).
import * as pulumi from "@pulumi/pulumi";
import type { AckClusterSpec } from "./spec";
import type { SiteBuilder } from "./types";

export const buildAckSite: SiteBuilder<AckClusterSpec> = (spec) => {
    const component = new pulumi.ComponentResource("hybrid:ack:Site", spec.name, {}, {});
    return { spec, component, outputs: {} };
};
