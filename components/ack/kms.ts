// The one way this site makes a KMS key: AES-256 in software, rotating yearly, with deletion
// protection and a waiting period before a deletion takes effect, protected in the stack.
import * as alicloud from "../core/sdk/alicloud";
import * as pulumi from "@pulumi/pulumi";

/** A protected, rotating key; `protects` says what it encrypts (KMS shows it beside the deletion protection). */
export function protectedKey(
    name: string,
    args: { description: pulumi.Input<string>; protects: string; tags: Record<string, string> },
    parent: pulumi.Resource,
): alicloud.kms.Key {
    return new alicloud.kms.Key(
        name,
        {
            description: args.description,
            keySpec: "Aliyun_AES_256",
            keyUsage: "ENCRYPT/DECRYPT",
            protectionLevel: "SOFTWARE",
            automaticRotation: "Enabled",
            // Default keys rotate only on a fixed 365-day period (alicloud.kms.Key docs).
            rotationInterval: "365d",
            deletionProtection: "Enabled",
            deletionProtectionDescription: args.protects,
            // Time to notice and cancel an accidental deletion; KMS allows 7 to 366 days (alicloud.kms.Key docs).
            pendingWindowInDays: 30,
            tags: args.tags,
        },
        { parent, protect: true },
    );
}
