// Placeholder until the app lands; replaced by the Hono app's exports.
export default { fetch: () => new Response("starting") };
