namespace ZtStream.Responder.Tests.Console;

/// <summary>
/// Debian's Chromium driven by Playwright, headless, with a fresh profile per user, and the console's single sign-on
/// through the test OpenID provider's own login and consent pages.
/// </summary>
internal sealed class ConsoleBrowser : IAsyncDisposable
{
    public const string Chromium = "/usr/bin/chromium";

    private readonly IPlaywright playwright;
    private readonly IBrowserContext context;

    private ConsoleBrowser(IPlaywright playwright, IBrowserContext context, IPage page)
    {
        this.playwright = playwright;
        this.context = context;
        Page = page;
    }

    public IPage Page { get; }

    /// <summary>Skips the test (fails it on CI) when <see cref="Chromium"/> is not installed.</summary>
    public static void RequireChromium()
    {
        if (!File.Exists(Chromium))
        {
            ServiceRequirement.Unavailable("chromium", $"{Chromium} is missing (apt-get install chromium)");
        }
    }

    /// <summary>
    /// Chromium as every console test runs it: headless, with the profile in <paramref name="profile"/> (made if missing),
    /// in a window of <paramref name="viewport"/> (null: Playwright's default); its context and first page.
    /// </summary>
    public static async Task<(IBrowserContext Context, IPage Page)> OpenAsync(IPlaywright playwright, string profile, ViewportSize? viewport = null)
    {
        var context = await playwright.Chromium.LaunchPersistentContextAsync(Directory.CreateDirectory(profile).FullName, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            ViewportSize = viewport,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return (context, context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync());
    }

    public static async Task<ConsoleBrowser> LaunchAsync(string profile)
    {
        RequireChromium();
        var playwright = await Playwright.CreateAsync();
        var (context, page) = await OpenAsync(playwright, profile, new ViewportSize { Width = 1440, Height = 1000 });
        page.SetDefaultTimeout(20_000);
        return new ConsoleBrowser(playwright, context, page);
    }

    /// <summary>
    /// A browser of <paramref name="user"/>'s own, its profile in <paramref name="host"/>'s folder, signed in to that host's
    /// console as <see cref="SignInAsync"/> signs in.
    /// </summary>
    public static async Task<ConsoleBrowser> SignedInAsync(ResponderTestHost host, string user, string shownAs)
    {
        var browser = await LaunchAsync(Path.Combine(host.Folder, $"profile-{user}"));
        try
        {
            await browser.SignInAsync(host.BaseAddress!, user, shownAs);
            return browser;
        }
        catch
        {
            // The test fails here; its Chromium must not outlive it.
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Signs in with single sign-on as <paramref name="user"/> (the provider's development login takes any password).</summary>
    public async Task SignInAsync(Uri console, string user, string shownAs)
    {
        await Page.GotoAsync(new Uri(console, "/console/").ToString());
        await Page.GetByTestId("sso").ClickAsync();
        await Page.Locator("input[name=login]").FillAsync(user);
        await Page.Locator("input[name=password]").FillAsync("any password");
        await Page.Locator("button[type=submit]").ClickAsync();

        // The provider asks for consent once per client and user.
        var consent = Page.Locator("button[type=submit]");
        var me = Page.GetByTestId("me");
        await Assertions.Expect(consent.Or(me)).ToBeVisibleAsync();
        if (await consent.IsVisibleAsync())
        {
            await consent.ClickAsync();
        }

        await Assertions.Expect(me).ToHaveTextAsync(shownAs);
    }

    /// <summary>Screenshots go to <c>ZTSTREAM_SCREENSHOTS</c> when it names a folder (docs/console.md's pictures are taken so).</summary>
    public async Task ScreenshotAsync(string name)
    {
        if (Environment.GetEnvironmentVariable("ZTSTREAM_SCREENSHOTS") is { Length: > 0 } folder)
        {
            var path = Path.Combine(Directory.CreateDirectory(folder).FullName, name);
            await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });

            // The same page in the dark theme, beside it.
            await Page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Dark });
            await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.ChangeExtension(path, null) + "-dark.png", FullPage = true });
            await Page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Light });
        }
    }

    public async ValueTask DisposeAsync()
    {
        await context.DisposeAsync();
        playwright.Dispose();
    }
}
