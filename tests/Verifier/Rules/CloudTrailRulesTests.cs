namespace ZtStream.Verifier.Tests.Rules;

/// <summary>
/// The built-in AWS library (Library/aws) on the CloudTrail records of Ingest's tests (TestData/aws-cloudtrail, documented
/// shapes), read by Ingest's reader as live ingestion and <c>ztstream replay --format aws-cloudtrail</c> read them.
/// </summary>
public sealed class CloudTrailRulesTests
{
    private static List<AccessEvent> Records() =>
        IdpRecords.MapAll("aws-cloudtrail", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "IngestTestData", "aws-cloudtrail", "cloudtrail-records.ndjson")));

    /// <summary>
    /// The default rule set on the 17 documented records: each behaviour raises its rule once; the caller's own key, the
    /// failed sign-in, the refused StopLogging, a service's AssumeRole and another account's Decrypt raise none, and no
    /// Kubernetes, identity or Google Cloud rule reads a CloudTrail record.
    /// </summary>
    [Fact]
    public void BuiltinRules_FireOnDocumentedRecords_AndNotOnRefusedOrRoutineCalls()
    {
        var fired = RuleTesting.BuiltinFired(Records());

        Assert.Equal(
            [
                [], ["aws-credential-created-for-another-user"], [], ["aws-administrator-policy-granted"],
                ["aws-administrator-policy-granted"], ["aws-role-trust-opened"], ["aws-console-sign-in-without-mfa", "aws-root-user-used"], [],
                [], ["aws-cloudtrail-logging-impaired"], ["aws-kms-key-deletion"], ["aws-security-group-open-to-internet"],
                ["aws-s3-bucket-made-public"], ["aws-eks-cluster-admin-granted"], [], [], ["aws-threat-detection-disabled"],
            ],
            fired);
    }
}
