using ZtStream.TestSupport.Services;

[assembly: AssemblyFixture(typeof(KafkaFixture))]
