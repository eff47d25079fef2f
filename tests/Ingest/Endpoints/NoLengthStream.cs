namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>A body HttpClient sends chunked, without Content-Length, because it cannot tell its length.</summary>
internal sealed class NoLengthStream(byte[] data) : MemoryStream(data)
{
    public override bool CanSeek => false;
}
