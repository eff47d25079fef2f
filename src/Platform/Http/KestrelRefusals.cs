using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ZtStream.Platform.Http;

/// <summary>
/// The answers Kestrel writes itself, before any middleware runs — a request line or header that is not HTTP (400),
/// an HTTP version it does not speak (505), a request head past its own limits (414, 431), a bad chunked body or
/// <c>Content-Length</c> (400), a missing length (411), a request head that took too long (408) — given a problem
/// document as their body. Kestrel offers no way to write those answers (aspnet/KestrelHttpServer#2947); it writes
/// them with <c>Content-Length: 0</c>. So a connection middleware (<see cref="UseProblemRefusals"/>) puts a
/// <see cref="RefusalWriter"/> over each connection's output, and Kestrel's <c>BadRequest</c> diagnostic event, raised
/// just before such an answer is written, arms it: the armed writer holds the next answer back and, if it is that
/// empty answer, sends it with a problem document. Every other byte goes straight through, uncopied. Over TLS the
/// writer that counts is the one over the plaintext pipe (<see cref="TransportWatch"/>).
/// </summary>
internal static class KestrelRefusals
{
    /// <summary>Kestrel's diagnostic event for a request it refuses (<c>HttpProtocol.SetBadRequestState</c>).</summary>
    public const string BadRequestEvent = "Microsoft.AspNetCore.Server.Kestrel.BadRequest";

    /// <summary>The longest part of Kestrel's reason written back (it may quote the request).</summary>
    private const int MaxReasonChars = 200;
    private const string EmptyQuote = ": ''";

    /// <summary>
    /// Puts a <see cref="RefusalWriter"/> over the output of every connection <paramref name="listen"/> accepts. On an
    /// HTTPS listener Kestrel adds its TLS layer after the endpoint defaults, so this middleware sits outside it and sees
    /// ciphertext; the connection it hands on (<see cref="TransportWatch"/>) puts a writer of its own over the plaintext
    /// pipe TLS installs, so refusals over TLS get their problem document too.
    /// </summary>
    public static void UseProblemRefusals(this ListenOptions listen, RequestHeadLimits limits)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(limits);
        listen.Use(next => connection =>
        {
            Watch(connection, connection.Transport, limits);
            return next(new TransportWatch(connection, limits));
        });
    }

    /// <summary>Makes <paramref name="transport"/>, behind a <see cref="RefusalWriter"/>, the connection's transport; the writer is the one a refusal arms.</summary>
    private static void Watch(ConnectionContext connection, IDuplexPipe transport, RequestHeadLimits limits)
    {
        var writer = new RefusalWriter(transport.Output, limits);
        connection.Features.Set(writer);
        connection.Transport = new Duplex(transport.Input, writer);
    }

    /// <summary>Arms the connection's <see cref="RefusalWriter"/> whenever Kestrel refuses a request; dispose to stop.</summary>
    public static IDisposable Subscribe(DiagnosticListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        return listener.Subscribe(new Observer(), static (name, _, _) => name == BadRequestEvent);
    }

    /// <summary>The problem document for Kestrel's refusal with <paramref name="status"/>, naming the setting where one applies.</summary>
    public static Problem For(int status, string? reason, RequestHeadLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        reason = string.IsNullOrWhiteSpace(reason) ? ReasonPhrases(status) : reason.Trim();

        // Kestrel quotes what it refused only when its log is at Information; otherwise it writes "Invalid request line: ''".
        if (reason.EndsWith(EmptyQuote, StringComparison.Ordinal))
        {
            reason = reason[..^EmptyQuote.Length];
        }

        if (reason.Length > MaxReasonChars)
        {
            reason = reason[..MaxReasonChars] + "…";
        }

        var setting = status switch
        {
            408 => " The request's line and headers must arrive within Kestrel:Limits:RequestHeadersTimeout.",
            413 => " The limit is Kestrel:Limits:MaxRequestBodySize.",
            414 => $" The limit is {limits.MaxRequestLine} bytes (Kestrel:Limits:MaxRequestLineSize).",
            431 => $" The limits are {limits.MaxHeaders} bytes (Kestrel:Limits:MaxRequestHeadersTotalSize) and {limits.MaxHeaderCount} header lines (Kestrel:Limits:MaxRequestHeaderCount).",
            505 => " ZtStream speaks HTTP/1.0, HTTP/1.1 and, over TLS, HTTP/2.",
            _ => "",
        };
        return Problems.Of(status, setting.Length == 0 || reason.EndsWith('.') ? reason + setting : reason + "." + setting);

        static string ReasonPhrases(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
    }

    /// <summary>
    /// The connection as the layers after <see cref="UseProblemRefusals"/> see it, forwarding everything to Kestrel's own.
    /// A transport a layer puts in (TLS's plaintext pipe) is watched by a <see cref="RefusalWriter"/> of its own, which
    /// takes over the connection's feature; one already watched (TLS putting the original back) goes in as it is.
    /// </summary>
    private sealed class TransportWatch(ConnectionContext inner, RequestHeadLimits limits) : ConnectionContext
    {
        public override string ConnectionId { get => inner.ConnectionId; set => inner.ConnectionId = value; }

        public override IFeatureCollection Features => inner.Features;

        public override IDictionary<object, object?> Items { get => inner.Items; set => inner.Items = value; }

        public override IDuplexPipe Transport
        {
            get => inner.Transport;
            set
            {
                if (value is Duplex { Output: RefusalWriter })
                {
                    inner.Transport = value;
                }
                else
                {
                    Watch(inner, value, limits);
                }
            }
        }

        public override CancellationToken ConnectionClosed { get => inner.ConnectionClosed; set => inner.ConnectionClosed = value; }

        public override System.Net.EndPoint? LocalEndPoint { get => inner.LocalEndPoint; set => inner.LocalEndPoint = value; }

        public override System.Net.EndPoint? RemoteEndPoint { get => inner.RemoteEndPoint; set => inner.RemoteEndPoint = value; }

        public override void Abort(ConnectionAbortedException abortReason) => inner.Abort(abortReason);

        public override void Abort() => inner.Abort();

        public override ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    private sealed class Observer : IObserver<KeyValuePair<string, object?>>
    {
        public void OnNext(KeyValuePair<string, object?> value)
        {
            // The payload is the request (Kestrel's HttpProtocol), whose features fall back to the connection's.
            if (value.Key != BadRequestEvent || value.Value is not IFeatureCollection features
                || features.Get<RefusalWriter>() is not { } writer
                || features.Get<IHttpResponseFeature>() is { HasStarted: true })
            {
                return;
            }

            writer.Arm(features.Get<IBadRequestExceptionFeature>()?.Error?.Message);
        }

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }
    }

    /// <summary>
    /// A connection's output. Unarmed it only forwards to the transport (Kestrel writes into the transport's own
    /// memory). Armed, it keeps what Kestrel writes until the next flush or completion, then sends it as it was —
    /// unless it is one HTTP/1.x answer with a status of 400 or more, <c>Content-Length: 0</c> and no
    /// <c>Content-Type</c>, which goes out with the problem document as its body.
    /// </summary>
    internal sealed class RefusalWriter(PipeWriter inner, RequestHeadLimits limits) : PipeWriter
    {
        private static readonly byte[] HeadEnd = "\r\n\r\n"u8.ToArray();

        private ArrayBufferWriter<byte>? held;
        private string? reason;

        /// <summary>True from a refusal until the answer after it has gone out.</summary>
        public bool Armed => held is not null;

        public void Arm(string? why)
        {
            reason = why;
            held ??= new ArrayBufferWriter<byte>(512);
        }

        public override bool CanGetUnflushedBytes => held is null && inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => held?.WrittenCount ?? inner.UnflushedBytes;

        public override Memory<byte> GetMemory(int sizeHint = 0) => held is null ? inner.GetMemory(sizeHint) : held.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => held is null ? inner.GetSpan(sizeHint) : held.GetSpan(sizeHint);

        public override void Advance(int bytes)
        {
            if (held is null)
            {
                inner.Advance(bytes);
            }
            else
            {
                held.Advance(bytes);
            }
        }

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            if (held is null)
            {
                return inner.WriteAsync(source, cancellationToken);
            }

            held.Write(source.Span);
            return FlushAsync(cancellationToken);
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            Release();
            return inner.FlushAsync(cancellationToken);
        }

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null)
        {
            Release();
            inner.Complete(exception);
        }

        public override async ValueTask CompleteAsync(Exception? exception = null)
        {
            if (held is not null)
            {
                Release();
                await inner.FlushAsync();
            }

            await inner.CompleteAsync(exception);
        }

        /// <summary>Sends what an armed writer held, with a problem body if it is Kestrel's empty refusal, and disarms.</summary>
        private void Release()
        {
            if (held is not { WrittenCount: > 0 } answer)
            {
                return;
            }

            held = null;
            var bytes = answer.WrittenSpan;
            if (Refusal(bytes) is not { } status)
            {
                inner.Write(bytes);
                return;
            }

            var body = JsonSerializer.SerializeToUtf8Bytes(For(status, reason, limits), HttpJsonContext.Default.Problem);
            var head = Encoding.ASCII.GetString(bytes[..^HeadEnd.Length]);
            var lines = head.Split("\r\n").Where(l => !l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
            var rewritten = string.Join("\r\n", lines)
                + $"\r\nContent-Type: {Problem.MediaType}\r\nContent-Length: {body.Length.ToString(CultureInfo.InvariantCulture)}"
                + "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\r\n";
            inner.Write(Encoding.ASCII.GetBytes(rewritten));
            inner.Write(body);
        }

        /// <summary>The status of <paramref name="answer"/> if it is one empty HTTP/1.x error answer, else null.</summary>
        private static int? Refusal(ReadOnlySpan<byte> answer)
        {
            // "HTTP/1.1 400 Bad Request\r\n…\r\n\r\n", nothing after the head.
            if (answer.Length < 16 || !answer.StartsWith("HTTP/1."u8) || answer[8] != (byte)' ' || !answer.EndsWith(HeadEnd)
                || answer.IndexOf(HeadEnd) != answer.Length - HeadEnd.Length
                || !int.TryParse(answer.Slice(9, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var status) || status < 400)
            {
                return null;
            }

            var lengthZero = false;
            foreach (var range in answer[..^HeadEnd.Length].Split("\r\n"u8))
            {
                var line = answer[range];
                if (line.StartsWith("Content-Type:"u8) || line.StartsWith("content-type:"u8) || line.StartsWith("Transfer-Encoding:"u8))
                {
                    return null;
                }

                lengthZero |= line.SequenceEqual("Content-Length: 0"u8);
            }

            return lengthZero ? status : null;
        }
    }
}
