// Builds one on-prem (IDC) cluster. Owner: IDC site (issue 4).
import * as pulumi from "@pulumi/pulumi";
import type { IdcClusterSpec } from "./spec";
import type { SiteBuilder } from "./types";

export const buildIdcSite: SiteBuilder<IdcClusterSpec> = (spec) => {
    const component = new pulumi.ComponentResource("hybrid:idc:Site", spec.name, {}, {});
    return { spec, component, outputs: {} };
};
