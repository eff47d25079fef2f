namespace ZtStream.Verifier.Rules.Detection;

/// <summary>Turns a field name of a rule into a compiled path; throws <see cref="RuleFormatException"/> for a name it does not know.</summary>
internal interface IFieldResolver
{
    FieldPath Resolve(string name);
}
