using System.Reflection;

namespace ZtStream.Host.Tests.Logging;

/// <summary>
/// Every [LoggerMessage] of every ZtStream assembly (SDK included: a service may embed ZtStream): event ids are
/// unique across all of them, and each log class is an area's <c>…Log</c> whose ids stay in the range
/// docs/architecture.md gives it, so a dashboard or alert keyed on an id means one message.
/// </summary>
public sealed class EventIdTests
{
    private static readonly Dictionary<string, (int From, int To)> Ranges = new(StringComparer.Ordinal)
    {
        ["EventLogLog"] = (1000, 1999),
        ["StoreLog"] = (2000, 2099),
        ["BusLog"] = (2100, 2199),
        ["IngestLog"] = (3000, 3999),
        ["VerifierLog"] = (4000, 4999),
        ["ResponderLog"] = (5000, 5099),
        ["DriverLog"] = (5100, 5999),
        ["SdkLog"] = (6000, 6999),
    };

    private static IEnumerable<(Type Type, MethodInfo Method, int Id)> Messages()
    {
        var assemblies = new[] { "ZtStream.Platform", "ZtStream.Ingest", "ZtStream.Verifier", "ZtStream.Responder", "ZtStream.Sdk", "ztstream" }.Select(Assembly.Load);
        return assemblies
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                .Select(m => (Type: t, Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
                .Where(x => x.Attribute is not null)
                .Select(x => (x.Type, x.Method, x.Attribute!.EventId)));
    }

    [Fact]
    public void EventIds_AreUniqueAcrossAssemblies()
    {
        var messages = Messages().ToList();
        Assert.True(messages.Count > 50, $"found only {messages.Count} log messages");

        var collisions = messages.GroupBy(m => m.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => $"{m.Type.Name}.{m.Method.Name}"))}");
        Assert.Empty(collisions);
    }

    [Fact]
    public void LogClasses_AreTheDocumentedOnesAndKeepToTheirRanges()
    {
        foreach (var (type, method, id) in Messages())
        {
            Assert.True(Ranges.TryGetValue(type.Name, out var range), $"{type.FullName} holds log messages but is not one of the documented log classes");
            Assert.True(id >= range.From && id <= range.To, $"{type.Name}.{method.Name} has event id {id}, outside {range.From}–{range.To}");
        }
    }

    [Fact]
    public void ArchitectureDoc_ListsEveryLogClass()
    {
        var doc = File.ReadAllText(Path.Combine(Deployment.ComposeConsistencyTests.RepositoryRoot(), "docs", "architecture.md"));

        foreach (var (name, (from, to)) in Ranges)
        {
            Assert.Contains($"`{name}`", doc, StringComparison.Ordinal);
            Assert.Contains($"{from}–{to}", doc, StringComparison.Ordinal);
        }
    }
}
