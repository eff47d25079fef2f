using System.Reflection;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ZtStream.Platform.Http;

/// <summary>
/// The limits on a request's line and headers (<c>Kestrel:Limits:MaxRequestLineSize</c>,
/// <c>Kestrel:Limits:MaxRequestHeadersTotalSize</c>, <c>Kestrel:Limits:MaxRequestHeaderCount</c>), answered as problem documents. Kestrel refuses a request over
/// its own limits before any middleware runs, with an empty 414 or 431, so ZtStream enforces the configured limits
/// itself and gives Kestrel <see cref="KestrelRoom"/> times as much: only a request far past the limits meets
/// Kestrel's bare answer (what it buffers per connection stays bounded).
/// </summary>
internal sealed class RequestHeadLimits
{
    /// <summary>How many times the configured limits Kestrel itself allows.</summary>
    public const int KestrelRoom = 2;

    /// <summary>The longest instance written back: the path of a 414 is what was too long.</summary>
    private const int MaxInstanceChars = 256;

    private readonly IConfiguration section;

    private RequestHeadLimits(IConfiguration section)
    {
        this.section = section;
        var configured = new KestrelServerLimits();
        Bind(section, configured);
        MaxRequestLine = configured.MaxRequestLineSize;
        MaxHeaders = configured.MaxRequestHeadersTotalSize;
        MaxHeaderCount = configured.MaxRequestHeaderCount;
    }

    /// <summary>The longest request line in bytes (method, target, version).</summary>
    public int MaxRequestLine { get; }

    /// <summary>The most bytes of header lines (names, values, separators).</summary>
    public int MaxHeaders { get; }

    /// <summary>The most header lines.</summary>
    public int MaxHeaderCount { get; }

    /// <summary>The limits configured in <paramref name="configuration"/>'s <c>Kestrel:Limits</c>, Kestrel's defaults otherwise.</summary>
    public static RequestHeadLimits From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new RequestHeadLimits(configuration.GetSection(StandardEnvironment.KestrelSection).GetSection("Limits"));
    }

    /// <summary>
    /// What is wrong in <paramref name="configuration"/>'s <c>Kestrel:Limits</c>, one line per key: a value that is not
    /// of the limit's type, or one Kestrel refuses (a negative size). Found with the rest of the configuration, before
    /// anything opens; the host binding them would throw past it instead.
    /// </summary>
    public static IEnumerable<string> ConfigurationProblems(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        Bind(configuration.GetSection(StandardEnvironment.KestrelSection).GetSection("Limits"), new KestrelServerLimits(), problems);
        return problems;
    }

    /// <summary>
    /// Binds the <c>Kestrel:Limits</c> section onto Kestrel's limits, as ASP.NET Core's full host builder would (the
    /// slim builder does not), then gives Kestrel <see cref="KestrelRoom"/> times the three head limits.
    /// </summary>
    public void ApplyTo(KestrelServerLimits kestrel)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        Bind(section, kestrel);
        kestrel.MaxRequestLineSize = Raised(MaxRequestLine);
        kestrel.MaxRequestHeadersTotalSize = Raised(MaxHeaders);
        kestrel.MaxRequestHeaderCount = Raised(MaxHeaderCount);
    }

    /// <summary>414 or 431 as a problem document when the request's head is over the limits; otherwise the next middleware.</summary>
    public Task Enforce(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var request = context.Request;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value + request.QueryString.Value;

        // As HTTP/1.1 sends it: "METHOD target HTTP/1.1\r\n".
        var line = request.Method.Length + 1 + target.Length + 1 + request.Protocol.Length + 2;
        if (line > MaxRequestLine)
        {
            return Refuse(context, 414, $"The request line is {line} bytes; the limit is {MaxRequestLine} (Kestrel:Limits:MaxRequestLineSize). Send long parameters in a body.");
        }

        var headers = 0;
        var count = 0;
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                // "name: value\r\n" per line.
                headers += name.Length + 2 + (value?.Length ?? 0) + 2;
                count++;
            }
        }

        if (headers > MaxHeaders)
        {
            return Refuse(context, 431, $"The request's headers are {headers} bytes; the limit is {MaxHeaders} (Kestrel:Limits:MaxRequestHeadersTotalSize).");
        }

        return count > MaxHeaderCount
            ? Refuse(context, 431, $"The request has {count} header lines; the limit is {MaxHeaderCount} (Kestrel:Limits:MaxRequestHeaderCount).")
            : next(context);
    }

    /// <summary>
    /// Binds <paramref name="limits"/> one key at a time, so a key that cannot be bound (said by <see cref="ConfigurationProblems"/>,
    /// into <paramref name="problems"/> when given) leaves Kestrel's default and the others still apply.
    /// </summary>
    private static void Bind(IConfiguration limits, KestrelServerLimits target, List<string>? problems = null)
    {
        foreach (var (key, value) in limits.AsEnumerable(makePathsRelative: true).Where(kv => kv.Value is not null))
        {
            try
            {
                new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build().Bind(target);
            }
            catch (Exception e) when (e is InvalidOperationException or TargetInvocationException)
            {
                var why = e.InnerException ?? e;
                // The first line: an ArgumentOutOfRangeException adds "Actual value was …", the value said already.
                var message = (why is ArgumentException { ParamName: { } name } ? why.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : why.Message).Split('\n')[0].TrimEnd();
                problems?.Add($"{StandardEnvironment.KestrelSection}:Limits:{key}: '{value}' cannot be used: {message}");
            }
        }
    }

    private static int Raised(int limit) => limit > int.MaxValue / KestrelRoom ? int.MaxValue : limit * KestrelRoom;

    private static Task Refuse(HttpContext context, int status, string detail)
    {
        // The request's body is never read: close the connection rather than drain it.
        context.Response.Headers.Connection = "close";
        var path = context.Request.Path.Value ?? "";
        return Problems.WriteAsync(context, Problems.Of(status, detail) with { Instance = path.Length > MaxInstanceChars ? path[..MaxInstanceChars] : path });
    }
}
