// The one way this site makes a KMS key: rotating yearly (AWS's automatic rotation), protected in
// the stack, and with AWS's longest waiting period before a deletion takes effect.
import * as aws from "../core/sdk/aws";
import * as pulumi from "@pulumi/pulumi";

/** AWS's longest KMS waiting period, to catch a mistaken deletion (KMS docs, "Deleting AWS KMS keys"). */
const KMS_DELETION_WINDOW_DAYS = 30;

/** A protected, rotating customer-managed key; `policy` replaces the default key policy (e.g. to let a log service use it). */
export function protectedKey(
    name: string,
    args: { description: pulumi.Input<string>; policy?: pulumi.Input<string>; tags: pulumi.Input<Record<string, pulumi.Input<string>>> },
    parent: pulumi.Resource,
): aws.kms.Key {
    return new aws.kms.Key(
        name,
        {
            description: args.description,
            enableKeyRotation: true,
            deletionWindowInDays: KMS_DELETION_WINDOW_DAYS,
            ...(args.policy !== undefined ? { policy: args.policy } : {}),
            tags: args.tags,
        },
        { parent, protect: true },
    );
}
