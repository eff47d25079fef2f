namespace ZtStream.Platform;

/// <summary>
/// Characters that show nothing or turn the text after them around: controls but tab and line ends, bidi embeddings,
/// overrides, isolates and marks, zero-width and joiner characters, fillers, tag characters. Names and reasons from
/// monitored traffic with one of these can pass for something else (<c>alice\u202Etxt.exe</c> reads
/// <c>aliceexe.txt</c>, <c>ad\u200Bmin</c> reads <c>admin</c>). One set for every place that shows such text or
/// takes a name: the notifications and the console write each out, Ingest and the Responder API keep them out of ids
/// and names (<c>ItemError.HiddenCharacter</c>). The console's copy is wwwroot/console.js <c>HIDDEN</c>.
/// </summary>
internal static class HiddenCharacters
{
    public static bool IsHidden(int c) => c is
        (< 0x20 and not ('\t' or '\n' or '\r')) or (>= 0x7F and <= 0x9F) or 0xAD or 0x34F or 0x61C or 0x115F or 0x1160
        or 0x17B4 or 0x17B5 or 0x180E or (>= 0x200B and <= 0x200F) or (>= 0x202A and <= 0x202E) or (>= 0x2060 and <= 0x206F)
        or 0x3164 or 0xFEFF or 0xFFA0 or (>= 0xFFF9 and <= 0xFFFB) or (>= 0xE0000 and <= 0xE0FFF);
}
