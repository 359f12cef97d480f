// The parts of @pulumi/aws the program uses, each from its own module. Imported as
// `import * as aws from "../core/sdk/aws"`, call sites read `aws.ec2.Vpc` as with the package. The
// package's index loads all ~220 of its namespaces to register them, 341 modules and ~170 ms at
// every start (the plan, `pulumi up`, each test process); this loads what is listed. A namespace
// missing here is a type error where it is used: add it here. The index also registers the provider
// package, which the SDK uses only to turn a provider reference in a resource's outputs back into an
// object; no resource this program declares returns one. Types come from here too: a type-only
// import of the index loads nothing at run time but makes the type check read the declarations of
// every namespace (with alicloud's, 6,391 files instead of 2,495; 4.5-4.8 CPU s against 6.3-7.5).
export * as cloudwatch from "@pulumi/aws/cloudwatch";
export * as directconnect from "@pulumi/aws/directconnect";
export * as ec2 from "@pulumi/aws/ec2";
export * as ec2transitgateway from "@pulumi/aws/ec2transitgateway";
export * as eks from "@pulumi/aws/eks";
export * as iam from "@pulumi/aws/iam";
export * as kms from "@pulumi/aws/kms";
export * as s3 from "@pulumi/aws/s3";
export * as sqs from "@pulumi/aws/sqs";
export * as vpc from "@pulumi/aws/vpc";
export { Provider } from "@pulumi/aws/provider";
export { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
export { getPartitionOutput } from "@pulumi/aws/getPartition";
export type { Region } from "@pulumi/aws/types/enums";
