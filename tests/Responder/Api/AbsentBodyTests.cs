using System.Globalization;
using System.Net.Sockets;
using ZtStream.Responder.Actions;

namespace ZtStream.Responder.Tests.Api;

/// <summary>
/// An approve takes no body and a reject's is optional, so a request that sends none is served however it says so:
/// no length at all (what <c>curl -X POST -H 'Content-Type: application/json'</c> sends), a length of 0, or a chunked
/// body of no chunks. Only a body that is there and is not JSON is malformed.
/// </summary>
public sealed class AbsentBodyTests
{
    public static TheoryData<string, string> Framings => new()
    {
        { "approve", "" },
        { "approve", "Content-Length: 0\r\n" },
        { "approve", "Transfer-Encoding: chunked\r\n" },
        { "reject", "" },
        { "reject", "Transfer-Encoding: chunked\r\n" },
    };

    [Theory]
    [MemberData(nameof(Framings))]
    public async Task Decide_AJsonRequestWithNoBody_IsServed(string verb, string framing)
    {
        await using var host = await new ResponderTestHost(TestPolicies.ApproveRevoke) { UseKestrel = true }.StartAsync();
        var id = (await host.RaiseAsync(TestAlerts.Critical("nb-1"))).Id;
        var chunks = framing.StartsWith("Transfer-Encoding", StringComparison.Ordinal) ? "0\r\n\r\n" : "";

        var (status, body) = await PostRawAsync(host.BaseAddress!, $"/v1/actions/{id}/{verb}",
            $"Content-Type: application/json\r\n{framing}", chunks);

        Assert.True(status == 200, $"{verb} with '{framing.Trim()}' answered {status}: {body}");
        var state = (await host.Get<ActionStore>().GetAsync(id, Ct))!.State;
        if (verb == "approve")
        {
            Assert.NotEqual(ActionStates.PendingApproval, state);
        }
        else
        {
            Assert.Equal(ActionStates.Rejected, state);
        }
    }

    [Fact]
    public async Task Reject_AChunkedBodyThatIsNotJson_IsMalformed()
    {
        await using var host = await new ResponderTestHost(TestPolicies.ApproveRevoke) { UseKestrel = true }.StartAsync();
        var id = (await host.RaiseAsync(TestAlerts.Critical("nb-2"))).Id;

        var (status, body) = await PostRawAsync(host.BaseAddress!, $"/v1/actions/{id}/reject",
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n", "3\r\n{x}\r\n0\r\n\r\n");

        Assert.Equal(400, status);
        Assert.Contains("malformed-body", body, StringComparison.Ordinal);
        Assert.Equal(ActionStates.PendingApproval, (await host.Get<ActionStore>().GetAsync(id, Ct))!.State);
    }

    /// <summary>HttpClient always frames a request with content; this sends the head exactly as written.</summary>
    private static async Task<(int Status, string Body)> PostRawAsync(Uri address, string path, string headers, string content)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port, Ct);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST {path} HTTP/1.1\r\nHost: {address.Authority}\r\nAuthorization: Bearer {ResponderTestHost.ResponderToken}\r\n" +
            $"{headers}Connection: close\r\n\r\n{content}"), Ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var answer = await reader.ReadToEndAsync(Ct);
        return (int.Parse(answer.AsSpan(9, 3), CultureInfo.InvariantCulture), answer);
    }
}
