/**
 * @module switchable-listener
 * What every local-cloud server shares: it can be taken "down" without releasing its port, the
 * way a failed AWS region looks to a caller. While down, every open connection is reset and new
 * ones are reset on arrival, before any byte is answered, so clients see a transport error (not
 * an HTTP status). The HTTP servers built on it ({@link SwitchableServer} on `node:http`,
 * {@link LeanHttpServer} on raw sockets) admit each connection through {@link admit}.
 */
import type net from 'node:net'

export class SwitchableListener<S extends net.Server = net.Server> {
  private up = true
  private readonly sockets = new Set<net.Socket>()

  constructor(readonly server: S) {}

  get isUp(): boolean {
    return this.up
  }

  /** Down: every open connection is reset and new ones are reset on arrival. */
  setUp(up: boolean): void {
    this.up = up
    if (!up) for (const s of this.sockets) s.destroy()
  }

  /** Takes a new connection: false (and reset) while down; otherwise tracked until it closes. */
  protected admit(socket: net.Socket): boolean {
    if (!this.up) {
      socket.destroy()
      return false
    }
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
    return true
  }

  /** Listens on `port` (0: any free port); the port it got. */
  listen(port: number, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => {
        this.server.off('error', reject)
        const addr = this.server.address()
        resolve(typeof addr === 'object' && addr ? addr.port : port)
      })
    })
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}
