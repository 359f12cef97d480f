// The parts of @pulumi/alicloud the program uses, each from its own module (see ./aws.ts for why:
// the package's index loads every namespace, 200 modules and ~100 ms at every start).
export * as cen from "@pulumi/alicloud/cen";
export * as cs from "@pulumi/alicloud/cs";
export * as ecs from "@pulumi/alicloud/ecs";
export * as expressconnect from "@pulumi/alicloud/expressconnect";
export * as kms from "@pulumi/alicloud/kms";
export * as log from "@pulumi/alicloud/log";
export * as oss from "@pulumi/alicloud/oss";
export * as ram from "@pulumi/alicloud/ram";
export * as vpc from "@pulumi/alicloud/vpc";
export * as vpn from "@pulumi/alicloud/vpn";
export { Provider } from "@pulumi/alicloud/provider";
