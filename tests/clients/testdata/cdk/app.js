// A tiny CDK app: stacks with a few resources and no assets, so that a
// deploy against moto exercises CloudFormation through awsauth exec.
// AWSAUTH_CDK_STACKS names the stacks (comma-separated; default one stack,
// AwsauthCdkTest), so a test can deploy several with `cdk deploy --all`.
const cdk = require("aws-cdk-lib");
const s3 = require("aws-cdk-lib/aws-s3");
const sqs = require("aws-cdk-lib/aws-sqs");
const sns = require("aws-cdk-lib/aws-sns");

const app = new cdk.App();
const names = (process.env.AWSAUTH_CDK_STACKS || "AwsauthCdkTest").split(",");
let previous;
for (const name of names) {
  const stack = new cdk.Stack(app, name, {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  new s3.Bucket(stack, "Artifacts", { removalPolicy: cdk.RemovalPolicy.DESTROY });
  new sqs.Queue(stack, "Work");
  new sns.Topic(stack, "Events");
  // Deployed one after the other, in the order named.
  if (previous) stack.addDependency(previous);
  previous = stack;
}
app.synth();
