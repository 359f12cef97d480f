// The EKS site's store for long-term metrics blocks (Thanos): an S3 bucket that is private,
// versioned, TLS-only and encrypted with its own rotating KMS key (both protected), and a role
// that only the named ServiceAccount of this cluster gets, through EKS Pod Identity.
import * as aws from "../core/sdk/aws";
import * as pulumi from "@pulumi/pulumi";
import { BUCKET_LIFECYCLE } from "../core/conventions";
import { protectedKey } from "./kms";
import { AwsContext, bucketTlsOnlyPolicy, bucketWriterPolicy, podIdentityTrustPolicy } from "./render";

export interface EksMetricsStoreArgs {
    bucket: string;
    aws: pulumi.Input<AwsContext>;
    clusterName: pulumi.Input<string>;
    clusterArn: pulumi.Input<string>;
    /** The ServiceAccount that writes blocks (e.g. Thanos); the role is associated with it only. */
    writer: { namespace: string; serviceAccount: string };
    tags: Record<string, string>;
}

export class EksMetricsStore extends pulumi.ComponentResource {
    readonly bucketName: pulumi.Output<string>;
    readonly writerRoleArn: pulumi.Output<string>;

    constructor(name: string, args: EksMetricsStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:eks:MetricsStore", name, {}, opts);
        const ctx = pulumi.output(args.aws);
        const parent = { parent: this };
        const tags = args.tags;

        const key = protectedKey(`${name}-key`, { description: `${args.bucket}: server-side encryption of metrics blocks`, tags }, this);
        const bucket = new aws.s3.Bucket(`${name}-bucket`, { bucket: args.bucket, forceDestroy: false, tags }, { parent: this, protect: true });
        const versioning = new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, parent);
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                bucket: bucket.id,
                rules: [
                    {
                        id: BUCKET_LIFECYCLE.ruleId,
                        status: "Enabled",
                        filter: { prefix: "" },
                        noncurrentVersionExpiration: { noncurrentDays: BUCKET_LIFECYCLE.noncurrentVersionDays },
                        expiration: { expiredObjectDeleteMarker: true },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: BUCKET_LIFECYCLE.incompleteUploadDays },
                    },
                ],
            },
            // S3 checks the rule against the bucket's versioning state: after it is on.
            { parent: this, dependsOn: [versioning] },
        );
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-sse`,
            {
                bucket: bucket.id,
                // Bucket keys cut KMS requests for many small objects (S3 docs, "Reducing the cost of SSE-KMS with S3 Bucket Keys").
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
            },
            parent,
        );
        const publicAccess = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            parent,
        );
        // ACLs off: the bucket owner owns every object (S3 docs, "Controlling ownership of objects").
        new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, parent);
        new aws.s3.BucketPolicy(
            `${name}-tls-only`,
            { bucket: bucket.id, policy: bucket.arn.apply((arn) => JSON.stringify(bucketTlsOnlyPolicy(arn))) },
            { parent: this, dependsOn: [publicAccess] },
        );
        this.bucketName = bucket.bucket;

        const role = new aws.iam.Role(
            `${name}-writer`,
            {
                description: `Pod Identity: ${args.writer.namespace}/${args.writer.serviceAccount} writes metrics blocks to ${args.bucket}`,
                assumeRolePolicy: pulumi.all([ctx, args.clusterArn]).apply(([c, arn]) => JSON.stringify(podIdentityTrustPolicy(c, arn, args.writer))),
                tags,
            },
            parent,
        );
        const policy = new aws.iam.RolePolicy(
            `${name}-writer`,
            { role: role.id, policy: pulumi.all([bucket.arn, key.arn]).apply(([bucketArn, keyArn]) => JSON.stringify(bucketWriterPolicy(bucketArn, keyArn))) },
            parent,
        );
        new aws.eks.PodIdentityAssociation(
            `${name}-writer`,
            { clusterName: args.clusterName, namespace: args.writer.namespace, serviceAccount: args.writer.serviceAccount, roleArn: role.arn, tags },
            { parent: this, dependsOn: [policy] },
        );
        this.writerRoleArn = role.arn;

        this.registerOutputs({ bucketName: this.bucketName, writerRoleArn: this.writerRoleArn });
    }
}
