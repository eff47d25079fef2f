using ZtStream.SampleService;

var builder = WebApplication.CreateBuilder(args);
builder.AddSampleService();

var app = builder.Build();
app.UseAuthentication();
app.UseZtStreamSample();
app.UseAuthorization();
app.MapSampleEndpoints();
app.Run();
