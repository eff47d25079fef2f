namespace ZtStream.Verifier.Tests.Rules;

/// <summary>
/// The built-in Azure library (Library/azure) on the Activity Log records of Ingest's tests (TestData/azure-activity,
/// documented shapes), read by Ingest's reader as live ingestion and <c>ztstream replay --format azure-activity</c> read them.
/// </summary>
public sealed class AzureActivityRulesTests
{
    private static List<AccessEvent> Records() =>
        IdpRecords.MapAll("azure-activity", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "IngestTestData", "azure-activity", "activity-records.ndjson")));

    /// <summary>
    /// The default rule set on the 15 documented records: each behaviour raises its rule once, on the operation's Succeeded
    /// record (not its Started one); the Reader assignment, the HTTPS rule, the refused purge and the VM started raise none,
    /// and no Kubernetes, identity, Google Cloud or AWS rule reads an Activity Log record.
    /// </summary>
    [Fact]
    public void BuiltinRules_FireOnDocumentedRecords_AndNotOnRefusedStartedOrRoutineOperations()
    {
        var fired = RuleTesting.BuiltinFired(Records());

        Assert.Equal(
            [
                [], ["azure-privileged-role-assigned"], [], ["azure-diagnostic-setting-deleted"], ["azure-key-vault-access-opened-or-purged"],
                [], ["azure-nsg-open-to-internet"], [], ["azure-aks-admin-credential-listed"], ["azure-run-command"],
                ["azure-storage-account-keys-accessed"], ["azure-storage-public-access-enabled"], ["azure-defender-plan-disabled"],
                ["azure-resource-lock-deleted"], [],
            ],
            fired);
    }
}
