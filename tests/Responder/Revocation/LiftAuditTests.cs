namespace ZtStream.Responder.Tests.Revocation;

/// <summary>A lift and the audit entry saying who lifted it and why commit together, or neither does.</summary>
public sealed class LiftAuditTests
{
    [Fact]
    public async Task Lift_AuditWriteFails_TheEntryStaysInForce_AndALaterLiftIsRecordedOnce()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var ct = Ct;
        var (entry, _) = await host.Get<RevocationStore>().AddAsync(
            new RevocationRequest(Guid.NewGuid(), RevocationStore.JtiEntry, "jti-kept", null, null, null, "t", host.Time.GetUtcNow().AddHours(1)), ct);
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var lift = $"/v1/revocations/{entry.Version}/lift";
        await host.RefuseAuditEntriesAsync(AuditKinds.RevocationLifted);

        using (var refused = await responder.PostAsJsonAsync(lift, new { reason = "wrong person" }, ct))
        {
            // The test host answers as ztstream run does: the failure is a problem document, not an exception in the test.
            Assert.Equal(500, (await HttpProblem.ReadAsync(refused, HttpStatusCode.InternalServerError)).GetProperty("status").GetInt32());
        }

        var snapshot = await host.RevocationSnapshotAsync();
        Assert.Contains(snapshot.Revocations, r => r.Version == entry.Version && r.Jti == "jti-kept");
        Assert.Equal(entry.Version, snapshot.Version);

        await host.AcceptAuditEntriesAsync();
        using (var lifted = await responder.PostAsJsonAsync(lift, new { reason = "wrong person" }, ct))
        {
            Assert.Equal(HttpStatusCode.OK, lifted.StatusCode);
        }

        var record = Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.RevocationLifted), ct));
        Assert.Contains("wrong person", record.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain((await host.RevocationSnapshotAsync()).Revocations, r => r.Version == entry.Version);
    }
}
