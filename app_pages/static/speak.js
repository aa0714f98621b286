// Says one instruction aloud with the browser's own speech synthesis, once per new text (posture's live panel).
// The panel puts this script on the page with TEXT filled in: the instruction, or null when speaking is off.
// Only the computer's own voices are used (localService), so no text leaves the machine. The page's window keeps
// what was said and when: the same instruction drawn again by a rerun is not repeated, nor one said in the last
// few seconds (a prompt that flickers between two messages is said once each).
(function (text) {
  const synth = window.speechSynthesis;
  if (!synth || !window.SpeechSynthesisUtterance) return;
  const said = (window.postureSaid = window.postureSaid || { last: null, at: {} });
  if (text === null) {                       // speaking turned off: stop now, and say the next one afresh
    synth.cancel();
    window.postureSaid = { last: null, at: {} };
    return;
  }
  const now = Date.now();
  if (said.last === text || now - (said.at[text] || 0) < 5000) return;
  said.last = text;
  said.at[text] = now;
  const say = () => {
    if (said.last !== text) return;                  // a newer instruction came while the voices were loading
    const voices = synth.getVoices().filter((v) => v.localService);
    const english = voices.filter((v) => v.lang.toLowerCase().startsWith("en"));
    const voice = english.find((v) => v.default) || english[0] || voices.find((v) => v.default) || voices[0];
    if (!voice) return;                              // no voice on this computer: nothing is said, nothing is sent
    if (synth.pending) synth.cancel();               // never fall behind: drop what still waits
    const words = new SpeechSynthesisUtterance(text);
    words.voice = voice;
    words.lang = voice.lang;
    words.rate = 0.95;
    synth.speak(words);
  };
  if (synth.getVoices().length) say();
  else synth.addEventListener("voiceschanged", say, { once: true });   // Chrome lists its voices late
})(TEXT);
