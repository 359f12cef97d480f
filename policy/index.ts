// The CrossGuard policy pack: `pulumi preview --policy-pack policy` (or `up`) runs the platform's
// rules in the engine. The rules live in policies.ts, so tests and the offline plan run them too.
import { PolicyPack } from "@pulumi/policy";
import { crossGuardPolicies } from "./pack";

new PolicyPack("hybrid-fleet", { policies: crossGuardPolicies });
