namespace ZtStream.Responder.Api;

/// <summary>
/// Tokens kept in files rather than in configuration (<c>Responder:ApiTokens:N:TokenFile</c>, <c>Responder:Feed:TokenFile</c>):
/// a deployment generates its own at first start instead of shipping one. A missing file is created with 256 random
/// bits, readable by its owner alone (0600); an existing one is read as it is, so every restart and every replica
/// sharing the volume uses the same token.
/// </summary>
internal static class TokenFiles
{
    /// <summary>Problems with <paramref name="path"/> as a token file (one line each, naming <paramref name="key"/>).</summary>
    public static IReadOnlyList<string> Check(string path, string key)
    {
        if (File.Exists(path) || Directory.Exists(path))
        {
            // A folder, a named pipe (which would hold the start until something wrote to it), a device or a file
            // longer than any token is named for what it is, not read.
            if (UserFiles.ReadProblem(path, key, UserFiles.MaxKeyFileBytes) is { } problem)
            {
                return [problem];
            }

            var token = UserFiles.ReadText(path, UserFiles.MaxKeyFileBytes).Trim();
            return token.Length < ResponderOptionsValidator.MinTokenLength || token.Any(char.IsWhiteSpace)
                ? [$"{key}: '{path}' must hold one token of at least {ResponderOptionsValidator.MinTokenLength} characters without spaces."]
                : [];
        }

        return Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder && Directory.Exists(folder)
            ? []
            : [$"{key}: '{path}' does not exist and its folder does not either, so the token cannot be made there."];
    }

    /// <summary>The token in <paramref name="path"/>, making the file first when it does not exist; <paramref name="created"/> says which.</summary>
    public static string ReadOrCreate(string path, out bool created)
    {
        created = false;
        if (!File.Exists(path))
        {
            var token = "ztt_" + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            try
            {
                using var stream = new FileStream(path, options);
                using var writer = new StreamWriter(stream);
                writer.WriteLine(token);
                created = true;
                return token;
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another replica made it first: use theirs.
            }
        }

        return UserFiles.ReadText(path, UserFiles.MaxKeyFileBytes).Trim();
    }
}
