// The pose model on this device: the camera's frames go through BlazePose (tasks-vision, WASM on the CPU) in a worker
// thread here in the browser (pose_worker.js), the skeleton and the latest angle are drawn here, and only the
// landmarks go to the app, in small batches that the app acknowledges. The video never leaves the device.
//
// A Streamlit component (protocol v1, spoken by hand: no extra package). The app sends `args`:
//   run, ack: the run it is on and the last frame number it has taken in (acknowledged frames are dropped here)
//   angle, angle_name, problem: what the check says now, drawn on the picture
//   bones: the skeleton's pairs of landmarks (posture.landmarks.BONES); header_px: room the page keeps above
//   done: the check is over: the camera is stopped
// and gets back {run, width, height, fps, ms, frames: [[seq, t (s), brightness, image (33 x x,y,visibility
// normalised) | null, world (33 x x,y,z m) | null], ...], error}.

const SEND_MS = 500;           // how often unacknowledged frames go to the app (each batch reruns the app's panel)
const BRIGHTNESS_EVERY = 10;   // frames between two readings of the picture's brightness
const FPS_WINDOW_MS = 2000;    // processed frames per second over this window
// The picture the model gets: its longer side at most this many pixels, in the camera's own orientation (a phone
// held upright gives 720 x 1280 or more). The model looks at 256 x 256 anyway; copying and sending the full frame
// each time is what slowed a phone's portrait camera. 640 keeps the renders' and the samples' 480 x 640 as they are.
const MODEL_SIDE = 640;
const STOPPED = "The pose model stopped in this browser: reload the page, or use the server's camera path.";

const state = window.posturePose = {
  // The run's name: the app stores a device's check once per run (a replay is refused), so it is never guessed.
  run: Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join(""),
  args: null, frames: [], seq: 0, sent: -1,
  processed: 0, fps: 0, ms: 0, width: 0, height: 0, error: "", started: false, stopped: false,
};
const view = document.getElementById("view"), ctx = view.getContext("2d");
const video = document.getElementById("camera"), status = document.getElementById("status");
let worker = null, busy = false, next = null, taken = 0, lastT = 0, lastQueued = 0;
let stream = null, times = [], inferMs = [], sender = null, light = 128;

function post(type, extra = {}) {
  window.parent.postMessage({isStreamlitMessage: true, type, ...extra}, "*");
}

function say(text, problem = false) {
  status.textContent = text;
  status.className = problem ? "problem" : "";
  fitHeight();
}

function fail(why) {
  state.error = why;
  say(why, true);
  send(true);
  stop();
}

function fitHeight() {
  // The picture as wide as the panel, no taller than the screen below the page's header.
  const aspect = state.width && state.height ? state.width / state.height : 4 / 3;
  let room = Infinity;
  try {
    const args = state.args || {};
    const phone = window.parent.innerWidth <= (args.phone_px || 640);   // the columns stack: the picture comes first
    room = window.parent.innerHeight - ((phone ? args.phone_header_px : args.header_px) || 300);
  } catch (e) { /* other origin */ }
  const w = Math.min(document.body.clientWidth, Math.max(240, room) * aspect);
  view.style.width = `${w}px`;
  view.style.height = `${w / aspect}px`;
  post("streamlit:setFrameHeight", {height: Math.ceil(document.body.scrollHeight) + 4});
}

window.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "streamlit:render") return;
  const args = event.data.args;
  state.args = args;
  if (args.run === state.run) state.frames = state.frames.filter((f) => f[0] > args.ack);
  if (args.done) stop();
  else if (!state.started) start();
  fitHeight();
});
window.addEventListener("resize", fitHeight);
post("streamlit:componentReady", {apiVersion: 1});

async function start() {
  state.started = true;
  try {
    await startModel();
  } catch (e) {
    console.error("pose model:", e);
    return fail("The pose model could not start in this browser: use a recent Chrome, Edge, Firefox or Safari, " +
                "or the server's camera path.");
  }
  if (state.stopped) return;
  say("Starting the camera ...");
  try {
    if (!navigator.mediaDevices) throw new Error("insecure");
    stream = await navigator.mediaDevices.getUserMedia({video: true, audio: false});
  } catch (e) {
    return fail(navigator.mediaDevices
      ? "The camera could not be opened: allow camera access (the camera icon in the address bar) and reload the page."
      : "This browser allows the camera only on a secure (https) address: open the app by its https link.");
  }
  video.srcObject = stream;
  await video.play();
  state.width = video.videoWidth;
  state.height = video.videoHeight;
  view.width = state.width;
  view.height = state.height;
  say("The pose model runs on this device: the video stays here.");
  sender = setInterval(send, SEND_MS);
  video.requestVideoFrameCallback(onCameraFrame);
}

function startModel() {
  // The model runs in a worker (pose_worker.js); resolves once it is loaded.
  // From a blob: URL that loads the script: a worker made so keeps this page's Content-Security-Policy (one made
  // from the script's own URL would not), so the model's code can reach nothing but this server either.
  const script = new URL("./pose_worker.js", location.href).href;
  worker = new Worker(URL.createObjectURL(new Blob([`importScripts(${JSON.stringify(script)});`],
                                                   {type: "text/javascript"})));
  return new Promise((resolve, reject) => {
    worker.onerror = (e) => reject(e);
    worker.onmessage = (event) => {
      if (event.data.error) return reject(new Error(event.data.error));
      worker.onmessage = onPose;
      worker.onerror = () => fail(STOPPED);
      resolve();
    };
    worker.postMessage({init: location.href});
  });
}

async function onCameraFrame() {
  // Each camera frame: to the model if it is free, else kept as the next one (replacing an older one waiting), so
  // that the model never waits for the camera.
  if (state.stopped) return;
  video.requestVideoFrameCallback(onCameraFrame);
  const t = Math.max(performance.now(), lastT + 1);       // tasks-vision needs rising time stamps (ms)
  lastT = t;
  const k = Math.min(1, MODEL_SIDE / Math.max(video.videoWidth, video.videoHeight));
  const bitmap = await createImageBitmap(video, {resizeWidth: Math.round(video.videoWidth * k),
                                                 resizeHeight: Math.round(video.videoHeight * k),
                                                 resizeQuality: "medium"});
  if (state.stopped || t <= lastQueued) return bitmap.close();   // stopped, or overtaken by a later frame
  lastQueued = t;
  if (busy) {
    if (next) next.bitmap.close();
    next = {t, bitmap};
  } else {
    toModel({t, bitmap});
  }
}

function toModel(frame) {
  busy = true;
  worker.postMessage({...frame, light: taken++ % BRIGHTNESS_EVERY === 0}, [frame.bitmap]);
}

function onPose(event) {
  const {t, ms, image, world, brightness, error} = event.data;
  busy = false;
  if (error) {
    console.error("pose model:", error);
    return fail(STOPPED);
  }
  if (next && !state.stopped) {
    toModel(next);
    next = null;
  }
  if (state.stopped) return;
  if (brightness !== null) light = brightness;
  state.frames.push([state.seq++, t / 1000, light, image, world]);
  count(t, ms);
  draw(image);
}

function round(x, digits) {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}

function count(t, took) {
  state.processed += 1;
  times.push(t);
  inferMs.push(took);
  while (times.length && times[0] < t - FPS_WINDOW_MS) { times.shift(); inferMs.shift(); }
  if (times.length > 1) state.fps = round(1000 * (times.length - 1) / (times[times.length - 1] - times[0]), 1);
  state.ms = round(inferMs.reduce((a, b) => a + b, 0) / inferMs.length, 1);
}

function draw(image) {
  // The camera's current frame, the skeleton the model found on the latest frame it took (image: 33 x [x, y,
  // visibility]) and the check's angle.
  ctx.drawImage(video, 0, 0, view.width, view.height);
  const args = state.args || {};
  if (image) {
    ctx.lineWidth = Math.max(2, view.width / 240);
    ctx.strokeStyle = args.problem ? "#e8a317" : "#2ee6a8";
    ctx.beginPath();
    for (const [a, b] of args.bones || []) {
      if (image[3 * a + 2] < 0.5 || image[3 * b + 2] < 0.5) continue;
      ctx.moveTo(image[3 * a] * view.width, image[3 * a + 1] * view.height);
      ctx.lineTo(image[3 * b] * view.width, image[3 * b + 1] * view.height);
    }
    ctx.stroke();
  }
  if (args.angle !== null && args.angle !== undefined) {
    const text = `${args.angle_name}: ${Math.round(args.angle)}°`;
    let size = Math.round(view.height / 12);
    ctx.font = `700 ${size}px sans-serif`;
    const fit = 0.95 * view.width / (ctx.measureText(text).width + size);   // a portrait picture is narrow
    if (fit < 1) {
      size = Math.floor(size * fit);
      ctx.font = `700 ${size}px sans-serif`;
    }
    ctx.fillStyle = "rgba(0, 0, 0, 0.55)";
    ctx.fillRect(0, 0, ctx.measureText(text).width + size, size * 1.5);
    ctx.fillStyle = "#ffffff";
    ctx.fillText(text, size / 2, size * 1.15);
  }
}

function send(force = false) {
  // Everything not yet acknowledged, so that a batch the app missed is sent again: nothing is lost.
  const last = state.frames.length ? state.frames[state.frames.length - 1][0] : -1;
  if (!force && last === state.sent) return;
  state.sent = last;
  post("streamlit:setComponentValue", {dataType: "json", value: {
    run: state.run, width: state.width, height: state.height, fps: state.fps, ms: state.ms,
    frames: state.frames, error: state.error}});
}

function stop() {
  if (state.stopped) return;
  state.stopped = true;
  clearInterval(sender);
  if (stream) stream.getTracks().forEach((track) => track.stop());
  if (next) next.bitmap.close();
  next = null;
  if (worker) worker.terminate();
  worker = null;
}
