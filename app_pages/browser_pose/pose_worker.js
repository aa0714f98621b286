// The pose model in its own thread, so that it does not wait on the page's drawing and Streamlit's messages (and
// they do not wait on it). A classic worker: tasks-vision loads its WASM runtime with importScripts, which module
// workers do not have, so its CommonJS bundle is loaded here with a stand-in for `exports`.
//
// Messages in:  {init: base URL of the component}, then {t (ms, rising), bitmap (ImageBitmap, transferred), light}
//               where light asks for the picture's brightness on this frame.
// Messages out: {ready: true} | {error: text} (the model did not start) | for each frame, {t, image (33 x [x, y,
//               visibility]) | null, world (33 x [x, y, z]) | null, brightness (0-255) | null, ms (model time)} or
//               {t, error: text}.
// Started from a blob: URL by the page (pose.js), so the page's Content-Security-Policy (nothing but this server)
// holds here too.

self.exports = {};
let landmarker = null;
const probe = new OffscreenCanvas(16, 12), probeCtx = probe.getContext("2d", {willReadFrequently: true});

self.onmessage = (event) => {
  const message = event.data;
  if (message.init) start(message.init);
  else self.postMessage(pose(message));
};

function pose({t, bitmap, light}) {
  // Every frame gets an answer, an error included, and its bitmap is closed whatever happens: the page waits
  // for the answer before it sends the next frame.
  try {
    const t0 = performance.now();
    const found = landmarker.detectForVideo(bitmap, t);
    const ms = performance.now() - t0;
    const image = found.landmarks.length ? found.landmarks[0] : null;
    const world = found.worldLandmarks.length ? found.worldLandmarks[0] : null;
    return {
      t, ms, brightness: light ? brightness(bitmap) : null,
      image: image && image.flatMap((p) => [round(p.x, 5), round(p.y, 5), round(p.visibility ?? 0, 3)]),
      world: world && world.flatMap((p) => [round(p.x, 4), round(p.y, 4), round(p.z, 4)]),
    };
  } catch (e) {
    return {t, error: String(e)};
  } finally {
    bitmap.close();
  }
}

async function start(base) {
  try {
    importScripts(new URL("vendor/vision_bundle.js", base).href);
    const {FilesetResolver, PoseLandmarker} = self.exports;
    const fileset = await FilesetResolver.forVisionTasks(new URL("vendor/wasm", base).href);
    landmarker = await PoseLandmarker.createFromOptions(fileset, {
      baseOptions: {modelAssetPath: new URL("vendor/pose_landmarker_full.task", base).href, delegate: "CPU"},
      runningMode: "VIDEO", numPoses: 1,
      minPoseDetectionConfidence: 0.5, minPosePresenceConfidence: 0.5, minTrackingConfidence: 0.5,
    });
    self.postMessage({ready: true});
  } catch (e) {
    self.postMessage({error: String(e)});
  }
}

function brightness(bitmap) {
  // The picture's mean grey level (0-255), as the server path measures it: a dark room is said, not guessed at.
  probeCtx.drawImage(bitmap, 0, 0, 16, 12);
  const px = probeCtx.getImageData(0, 0, 16, 12).data;
  let sum = 0;
  for (let i = 0; i < px.length; i += 4) sum += px[i] + px[i + 1] + px[i + 2];
  return round(sum / (px.length / 4 * 3), 1);
}

function round(x, digits) {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
