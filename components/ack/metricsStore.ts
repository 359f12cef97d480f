// The ACK site's store for long-term metrics blocks (Thanos): an OSS bucket that is private,
// versioned and encrypted with its own KMS key, and a RAM role that only the named Kubernetes
// ServiceAccounts can assume through the cluster's RRSA OIDC provider.
import * as alicloud from "../core/sdk/alicloud";
import * as pulumi from "@pulumi/pulumi";
import { BUCKET_LIFECYCLE } from "../core/conventions";
import { protectedKey } from "./kms";
import { bucketWriterPolicy, rrsaTrustPolicy } from "./render";

export interface AckMetricsStoreArgs {
    bucket: string;
    /** The cluster's RRSA OIDC provider and issuer. */
    oidcProviderArn: pulumi.Input<string>;
    oidcIssuerUrl: pulumi.Input<string>;
    /** The ServiceAccount that writes blocks (e.g. Thanos); the role trusts only it. */
    writer: { namespace: string; serviceAccount: string };
    tags: Record<string, string>;
}

export class AckMetricsStore extends pulumi.ComponentResource {
    readonly bucketName: pulumi.Output<string>;
    readonly writerRoleArn: pulumi.Output<string>;
    readonly writerRoleName: pulumi.Output<string>;
    /** The bucket's SSE-KMS key: other writers of the bucket (Thanos' RAM user) need it too, and only it. */
    readonly keyArn: pulumi.Output<string>;

    constructor(name: string, args: AckMetricsStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:ack:MetricsStore", name, {}, opts);
        const tags = args.tags;

        const key = protectedKey(
            `${name}-key`,
            { description: `${args.bucket}: server-side encryption of metrics blocks`, protects: "encrypts the metrics bucket", tags },
            this,
        );

        const bucket = new alicloud.oss.Bucket(
            `${name}-bucket`,
            {
                bucket: args.bucket,
                storageClass: "Standard",
                // Zone-redundant storage survives the loss of a zone (OSS docs, "ZRS").
                redundancyType: "ZRS",
                versioning: { status: "Enabled" },
                lifecycleRules: [
                    {
                        id: BUCKET_LIFECYCLE.ruleId,
                        enabled: true,
                        prefix: "",
                        noncurrentVersionExpirations: [{ days: BUCKET_LIFECYCLE.noncurrentVersionDays }],
                        expirations: [{ expiredObjectDeleteMarker: true }],
                        abortMultipartUploads: [{ days: BUCKET_LIFECYCLE.incompleteUploadDays }],
                    },
                ],
                serverSideEncryptionRule: { sseAlgorithm: "KMS", kmsMasterKeyId: key.id },
                forceDestroy: false,
                tags,
            },
            { parent: this, protect: true },
        );
        new alicloud.oss.BucketAcl(`${name}-acl`, { bucket: bucket.bucket, acl: "private" }, { parent: this });
        new alicloud.oss.BucketPublicAccessBlock(`${name}-public-access`, { bucket: bucket.bucket, blockPublicAccess: true }, { parent: this });
        this.bucketName = bucket.bucket;

        const role = new alicloud.ram.Role(
            `${name}-writer`,
            {
                roleName: `${name}-writer`,
                description: `RRSA: ${args.writer.namespace}/${args.writer.serviceAccount} writes metrics blocks to ${args.bucket}`,
                assumeRolePolicyDocument: pulumi
                    .all([args.oidcProviderArn, args.oidcIssuerUrl])
                    .apply(([oidcProviderArn, issuerUrl]) => rrsaTrustPolicy({ oidcProviderArn, issuerUrl, ...args.writer })),
                // One hour sessions; the pod identity webhook refreshes the token (RAM docs: 3600 s is the minimum).
                maxSessionDuration: 3600,
                tags,
            },
            { parent: this },
        );
        const policy = new alicloud.ram.Policy(
            `${name}-writer`,
            {
                policyName: `${name}-writer`,
                description: `read and write the metrics blocks in ${args.bucket}`,
                policyDocument: pulumi.all([bucket.bucket, key.arn]).apply(([b, kmsKeyArn]) => bucketWriterPolicy({ bucket: b, kmsKeyArn })),
            },
            { parent: this },
        );
        new alicloud.ram.RolePolicyAttachment(
            `${name}-writer`,
            { roleName: role.roleName, policyName: policy.policyName, policyType: "Custom" },
            { parent: this },
        );
        this.writerRoleArn = role.arn;
        this.writerRoleName = role.roleName;
        this.keyArn = key.arn;

        this.registerOutputs({ bucketName: this.bucketName, writerRoleArn: this.writerRoleArn, writerRoleName: this.writerRoleName });
    }
}
