namespace ZtStream.Verifier.Scoring;

/// <summary>One detector's finding on one event: a score contribution 0–100 and its explanation.</summary>
internal readonly record struct Contribution(string Detector, string Rule, int Score, string Text)
{
    public string Scope => Detector + "/" + Rule;
}
