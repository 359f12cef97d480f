// Interruption handling: EventBridge rules for spot interruptions, rebalance recommendations,
// instance state changes and scheduled health events, into an SQS queue the controller reads to
// drain nodes ahead of time (terraform-aws-eks modules/karpenter; Karpenter's CloudFormation).
import * as aws from "../../core/sdk/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../render";
import { eventPattern, INTERRUPTION_EVENTS, interruptionQueuePolicy } from "./render";

export function declareInterruptionQueue(
    owner: pulumi.ComponentResource,
    name: string,
    a: { cluster: string; ctx: pulumi.Output<AwsContext>; tags: Record<string, string> },
): { queue: aws.sqs.Queue; policy: aws.sqs.QueuePolicy } {
    const { ctx, tags } = a;
    const parent = { parent: owner };
    const queue = new aws.sqs.Queue(
        `${name}-interruption`,
        {
            name: `${a.cluster}-karpenter`,
            // Interruption notices are stale after five minutes (terraform-aws-eks karpenter module; Karpenter CloudFormation).
            messageRetentionSeconds: 300,
            sqsManagedSseEnabled: true,
            tags,
        },
        parent,
    );
    const policy = new aws.sqs.QueuePolicy(
        `${name}-interruption`,
        { queueUrl: queue.url, policy: pulumi.all([ctx, queue.arn]).apply(([c, arn]) => JSON.stringify(interruptionQueuePolicy(c, arn))) },
        parent,
    );
    for (const event of INTERRUPTION_EVENTS) {
        const rule = new aws.cloudwatch.EventRule(
            `${name}-${event.key}`,
            { description: `Karpenter interruption (${a.cluster}): ${event.detailType}`, eventPattern: JSON.stringify(eventPattern(event)), tags },
            parent,
        );
        new aws.cloudwatch.EventTarget(
            `${name}-${event.key}`,
            { rule: rule.name, targetId: "KarpenterInterruptionQueueTarget", arn: queue.arn },
            { parent: owner, dependsOn: [policy] },
        );
    }
    return { queue, policy };
}
