// The citizen's side of a call: the browser makes the offer and trickles its
// ICE candidates as they come (no waiting for gathering), the clerk app answers.
export class Call extends EventTarget {
  constructor(signaling, callId, iceServers, localStream) {
    super();
    this.signaling = signaling;
    this.callId = callId;
    this.pc = new RTCPeerConnection({ iceServers: iceServers || [] });
    this.closed = false;
    if (localStream) {
      for (const track of localStream.getTracks()) this.pc.addTrack(track, localStream);
    }
    // Receive both kinds even when we have nothing to send (no camera, denied).
    const kinds = new Set(localStream ? localStream.getTracks().map((tr) => tr.kind) : []);
    for (const kind of ["audio", "video"]) {
      if (!kinds.has(kind)) this.pc.addTransceiver(kind, { direction: "recvonly" });
    }
    this.pc.ontrack = (event) => {
      const stream = event.streams[0] || new MediaStream([event.track]);
      this.dispatchEvent(new CustomEvent("remotestream", { detail: stream }));
    };
    this.pc.onicecandidate = (event) => {
      this.signaling.send("ice", { call_id: this.callId, candidate: event.candidate ? event.candidate.toJSON() : null });
    };
    this.pc.onconnectionstatechange = () => {
      this.dispatchEvent(new CustomEvent("state", { detail: this.pc.connectionState }));
    };
  }

  async start() {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    this.signaling.send("offer", { call_id: this.callId, sdp: this.pc.localDescription.sdp });
  }

  async acceptAnswer(sdp) {
    if (this.closed) return;
    await this.pc.setRemoteDescription({ type: "answer", sdp });
  }

  hangup(reason) {
    if (!this.closed) this.signaling.send("hangup", { call_id: this.callId, reason });
    this.close();
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.pc.close();
  }
}
