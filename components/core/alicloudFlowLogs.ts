// A VPC's flow logs on Alibaba Cloud: every accepted and dropped flow of every ENI in the VPC, in an
// encrypted Logstore of an SLS project of the VPC's own (a flow log writes to a project of its own
// region). The ACK site's VPC and each CEN edge's VPC keep them, as EKS's VPC keeps its flow logs.
import * as alicloud from "./sdk/alicloud";
import * as pulumi from "@pulumi/pulumi";

/** The Logstore of the flow logs in that project. */
export const FLOW_LOG_STORE = "vpc-flow-logs";

export interface VpcFlowLogsArgs {
    vpcId: pulumi.Input<string>;
    /** Named after the VPC's owner and the stack; the spec checks it against SLS_PROJECT_NAME (components/ack/types.ts). */
    projectName: string;
    retentionDays: number;
    tags: Record<string, string>;
}

/**
 * The project, its Logstore and the flow log, named `<name>-flow-logs` under `parent` (the VPC's
 * component). The project and the Logstore are protected: the logs outlive a mistaken delete.
 */
export function alicloudVpcFlowLogs(name: string, args: VpcFlowLogsArgs, parent: pulumi.Resource): alicloud.log.Project {
    const project = new alicloud.log.Project(
        `${name}-flow-logs`,
        { projectName: args.projectName, description: `${name}: VPC flow logs`, tags: args.tags },
        { parent, protect: true },
    );
    const store = new alicloud.log.Store(
        `${name}-flow-logs`,
        {
            projectName: project.projectName,
            logstoreName: FLOW_LOG_STORE,
            retentionPeriod: args.retentionDays,
            // At rest with SLS's service key (AES); `enable` is the one part SLS lets change later (Store docs, encryptConf).
            encryptConf: { enable: true, encryptType: "default" },
            // Shards split as ingestion grows, up to SLS's own limit of 256 (Store docs, maxSplitShardCount).
            shardCount: 2,
            autoSplit: true,
            maxSplitShardCount: 256,
        },
        { parent, protect: true },
    );
    new alicloud.vpc.FlowLog(
        `${name}-flow-logs`,
        {
            flowLogName: `${name}-vpc`,
            description: `${name}: every flow of the VPC`,
            resourceType: "VPC",
            resourceId: args.vpcId,
            trafficType: "All",
            trafficPaths: ["all"],
            // The shortest of the windows Alibaba Cloud offers (1, 5 and 10, the default): timely
            // records, as EKS's one-minute aggregation.
            aggregationInterval: "1",
            projectName: project.projectName,
            logStoreName: store.logstoreName,
            tags: args.tags,
        },
        { parent },
    );
    return project;
}
