using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ZtStream.TestSupport.Logging;

namespace ZtStream.Host.Tests.Run;

/// <summary>
/// A start that fails once the event log's consumers have taken their partitions stops what started before the host is
/// disposed, whatever failed: the Verifier checkpoints and gives its partitions back, and no partition callback runs
/// into a disposed service. Before, only the failures <c>run</c> names in one line (the data folder, the store, the
/// bus, the listen address) stopped first; any other — a configuration error found only at start, Ctrl-C while
/// starting — disposed the host under the running consumers, and each revocation logged an ObjectDisposedException.
/// </summary>
public sealed class FailedStartTests
{
    [Theory]
    [InlineData("configuration error")]
    [InlineData("stopped while starting")]
    [InlineData("a service that cannot start")]
    public async Task Run_StartFailsAfterTheConsumersJoined_StopsThemFirst_NothingDisposedIsUsed(string failure)
    {
        using var folder = new TempFolder("zt-run-failed-start-");
        var context = InProcessRun.Context(folder.Path, []);
        var log = new CapturedLog();
        var app = InProcessRun.Build(context, builder =>
        {
            builder.Logging.AddProvider(log);
            // Last, so it starts once the Verifier's and the Responder's consumers run.
            builder.Services.AddHostedService(_ => new FailsOnceConsumersJoined(log, failure));
        });

        var thrown = await Record.ExceptionAsync(async () =>
        {
            await using (app)
            {
                await RunCommand.TryStartAsync(app, context.Configuration, context, Ct);
            }
        });

        Assert.IsType(failure switch
        {
            "configuration error" => typeof(OptionsValidationException),
            "stopped while starting" => typeof(OperationCanceledException),
            _ => typeof(InvalidOperationException),
        }, thrown);
        Assert.DoesNotContain(log.Exceptions, e => e is ObjectDisposedException || e.InnerException is ObjectDisposedException);
        Assert.DoesNotContain(log.Lines, l => l.Message.Contains("partition callback", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.Message.Contains("Verifier partition zt.events.v1[0] revoked; checkpointed", StringComparison.Ordinal));
    }

    /// <summary>Fails its start as <paramref name="failure"/> says, once every partition of the Verifier's group is assigned.</summary>
    private sealed class FailsOnceConsumersJoined(CapturedLog log, string failure) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!log.Lines.Any(l => l.Message.Contains("Group zt-verifier: assigned zt.events.v1/2", StringComparison.Ordinal)))
            {
                Assert.True(DateTime.UtcNow < deadline, "the Verifier's partitions were not assigned");
                await Task.Delay(50, cancellationToken);
            }

            throw failure switch
            {
                "configuration error" => new OptionsValidationException("Test", typeof(object), ["Test:Value must be set"]),
                "stopped while starting" => new OperationCanceledException(),
                _ => new InvalidOperationException("cannot start"),
            };
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
