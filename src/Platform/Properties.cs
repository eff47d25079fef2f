[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("ZtStream.Ingest")]
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("ZtStream.Verifier")]
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("ZtStream.Responder")]
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("ZtStream.Responder.Tests")]
