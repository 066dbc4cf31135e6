// The AT Protocol reference PDS (@atproto/pds) on 127.0.0.1, for tests/pds_server.py.
// did:plc identities are normally registered at plc.directory; tests must not leave the
// machine, so a stand-in directory runs here too. It checks each creation operation with the
// PLC library the PDS itself uses (@did-plc/lib), and serves the documents back.
// Usage: node start.js DATA_DIR PORT; prints {"port": N} once the PDS is listening.
const http = require('node:http')
const plc = require('@did-plc/lib')
const { PDS, envToCfg, envToSecrets, readEnv } = require('@atproto/pds')
const { Secp256k1Keypair } = require('@atproto/crypto')
const ui8 = require('uint8arrays')

async function plcDirectory () {
  const logs = new Map()
  const server = http.createServer(async (req, res) => {
    const [did, ...rest] = decodeURIComponent(req.url).split('/').filter(Boolean)
    const send = (code, body) => {
      res.writeHead(code, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    try {
      if (req.method === 'POST') {
        let raw = ''
        for await (const chunk of req) raw += chunk
        const op = JSON.parse(raw)
        if (!logs.has(did)) await plc.assureValidCreationOp(did, op)
        logs.set(did, [...(logs.get(did) || []), op])
        return send(200, {})
      }
      const log = logs.get(did)
      if (!log) return send(404, { message: `DID not registered: ${did}` })
      const last = plc.normalizeOp(log[log.length - 1])
      const data = { did, verificationMethods: last.verificationMethods,
        rotationKeys: last.rotationKeys, alsoKnownAs: last.alsoKnownAs, services: last.services }
      if (rest.join('/') === 'log/last') return send(200, log[log.length - 1])
      if (rest.join('/') === 'data') return send(200, data)
      return send(200, plc.formatDidDoc(data))
    } catch (err) {
      send(400, { message: String(err) })
    }
  })
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${server.address().port}`
}

async function main () {
  const [dir, port] = process.argv.slice(2)
  const rotation = await Secp256k1Keypair.create({ exportable: true })
  const env = Object.assign(readEnv(), {
    port: Number(port), hostname: 'localhost', devMode: true, dataDirectory: dir,
    blobstoreDiskLocation: `${dir}/blobs`, jwtSecret: 'test-jwt-secret',
    adminPassword: 'test-admin-password',
    plcRotationKeyK256PrivateKeyHex: ui8.toString(await rotation.export(), 'hex'),
    didPlcUrl: await plcDirectory(), serviceHandleDomains: ['.test'], inviteRequired: false,
    rateLimitsEnabled: false, crawlers: []
  })
  const pds = await PDS.create(envToCfg(env), envToSecrets(env))
  await pds.start()
  console.log(JSON.stringify({ port: pds.server.address().port }))
}

main().catch(err => { console.error(err); process.exit(1) })
