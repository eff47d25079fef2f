namespace ZtStream.TestSupport.Http;

/// <summary>A request body HttpClient sends chunked, without Content-Length, because it cannot tell its length.</summary>
public sealed class NoLengthStream(byte[] data) : MemoryStream(data)
{
    public override bool CanSeek => false;
}
