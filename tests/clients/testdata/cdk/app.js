// A tiny CDK app: one stack with a few resources and no assets, so that a
// deploy against moto exercises CloudFormation through awsauth exec.
const cdk = require("aws-cdk-lib");
const s3 = require("aws-cdk-lib/aws-s3");
const sqs = require("aws-cdk-lib/aws-sqs");
const sns = require("aws-cdk-lib/aws-sns");

const app = new cdk.App();
const stack = new cdk.Stack(app, "AwsauthCdkTest", {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
new s3.Bucket(stack, "Artifacts", { removalPolicy: cdk.RemovalPolicy.DESTROY });
new sqs.Queue(stack, "Work");
new sns.Topic(stack, "Events");
app.synth();
