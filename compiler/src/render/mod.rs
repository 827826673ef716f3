//! Rendering one device, or one plugin's shared files: pure work with no
//! store access, so the compiler runs it on every core and the server can
//! run it for a phone seen for the first time.

pub mod context;
pub mod seal;
pub mod templates;
pub(crate) mod tree;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use provd_core::config::apply_defaults;
use provd_core::family::{ConfigureError, FileCipher, FileSource};
use provd_core::{ConfigTree, Device, Map, Plugin, raw_config};
use provd_store::{route_key, sealed_route_key};

use self::seal::SealingSecret;

use self::templates::Templates;

/// A plugin with its template environment.
pub struct LoadedPlugin {
    /// The plugin as loaded from its directory.
    pub plugin: Plugin,
    /// Its templates, custom ones first, escaping for its family's files.
    pub templates: Templates,
    /// See [`LoadedPlugin::digest`]; computed on first use (it reads every
    /// template file).
    digest: OnceLock<[u8; 32]>,
}

impl LoadedPlugin {
    /// `plugin` with its templates indexed (they are read when rendered).
    pub(crate) fn new(plugin: Plugin) -> LoadedPlugin {
        LoadedPlugin { templates: Templates::for_plugin(&plugin), plugin, digest: OnceLock::new() }
    }

    /// A digest of everything of the plugin a device render reads: its id,
    /// its `plugin-info` and every template.
    pub(crate) fn digest(&self) -> &[u8; 32] {
        self.digest.get_or_init(|| {
            let mut h = blake3::Hasher::new();
            h.update(self.plugin.id.as_bytes()).update(&[0]);
            h.update(&serde_json::to_vec(&self.plugin.info).expect("plugin-info serializes"));
            h.update(&self.templates.digest());
            *h.finalize().as_bytes()
        })
    }
}

/// Identifies the code that renders (see build.rs): part of every fingerprint.
const CODE_ID: &str = env!("PROVD_CODE_ID");

/// A served file and its bytes, ready to store.
#[derive(Debug, Clone)]
pub struct RenderedFile {
    /// The store key: `<plugin>/<path>`.
    pub key: String,
    /// The file's contents, in the plugin's encoding.
    pub bytes: Vec<u8>,
    /// The BLAKE3 hash of `bytes`, which the store keys contents by.
    pub hash: [u8; 32],
}

impl RenderedFile {
    /// The file `path` (relative to the plugin's root) of `plugin`, hashed.
    pub(crate) fn new(plugin: &str, path: &str, bytes: Vec<u8>) -> RenderedFile {
        let hash = *blake3::hash(&bytes).as_bytes();
        RenderedFile { key: route_key(plugin, path), bytes, hash }
    }
}

/// Why a device has no files, when that is not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unconfigured {
    /// The device names no plugin.
    NoPlugin,
    /// The device names no config.
    NoConfig,
    /// The device's plugin (this id) is not installed, or does not load.
    PluginNotInstalled(String),
    /// The device's config (this id) does not exist.
    ConfigNotFound(String),
    /// The plugin needs a device field the phone has not told yet: the MAC
    /// of a Snom 8.x, Polycom or Cisco SPA whose first requests carry only
    /// the model. Its next requests bring it; until then the phone gets its
    /// plugin's shared files. wazo-provd leaves such a device unconfigured
    /// too (`configure` raising, `docs/behaviour/plugins.md` §6), but logs
    /// an error for every such request; here it is a state, not a failure.
    MissingDeviceField(&'static str),
}

impl std::fmt::Display for Unconfigured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unconfigured::NoPlugin => f.write_str("no plugin associated"),
            Unconfigured::NoConfig => f.write_str("no config"),
            Unconfigured::PluginNotInstalled(p) => write!(f, "plugin {p} is not installed"),
            Unconfigured::ConfigNotFound(c) => write!(f, "config {c} does not exist"),
            Unconfigured::MissingDeviceField(field) => write!(f, "its plugin needs its {field}, not known yet"),
        }
    }
}

/// What rendering one device gave.
#[derive(Debug)]
pub enum DeviceRender {
    /// The device's files.
    Configured {
        /// The plugin that rendered them.
        plugin: String,
        /// Every file the device is served, in the family's order.
        files: Vec<RenderedFile>,
    },
    /// No files, and no error: why.
    Unconfigured(Unconfigured),
    /// Validation, plugin or template error; the message says where.
    Failed(String),
}

/// A device ready to render.
pub struct Prepared<'r> {
    /// The device's plugin.
    pub plugin: &'r LoadedPlugin,
    /// The template context: flattened raw config, defaults, family values.
    pub context: Map,
    /// The files the family serves the device, with what each renders from.
    pub files: Vec<PreparedFile>,
    /// With `config_encryption` on and a family whose phones decrypt
    /// files: how, and the device's key (also `XX_config_key` in
    /// `context`).
    pub sealing: Option<(FileCipher, String)>,
}

/// One file of a [`Prepared`] device.
pub struct PreparedFile {
    /// Relative to the plugin's root.
    pub path: String,
    /// What its bytes come from.
    pub source: PreparedSource,
}

/// Where a prepared file's bytes come from.
pub enum PreparedSource {
    /// The template name that resolved (custom or shipped).
    Template(String),
    /// Bytes the family made itself (no template).
    Bytes(Vec<u8>),
}

/// Everything needed to render: plugins with their templates and every
/// config.
pub struct Renderer {
    pub(crate) plugins: LoadedPlugins,
    configs: ConfigTree,
    /// With `config_encryption` on: the secret device keys derive from.
    sealing: Option<SealingSecret>,
}

/// Plugins with their template environments, by id: shared by the
/// renderers of successive publishes (see `Publisher`), so that a small
/// compile does not index and parse every plugin's templates again.
pub(crate) type LoadedPlugins = Arc<HashMap<String, LoadedPlugin>>;

/// `plugins` with their templates indexed (they are read when rendered).
pub(crate) fn load(plugins: Vec<Plugin>) -> LoadedPlugins {
    Arc::new(plugins.into_iter().map(|p| (p.id.clone(), LoadedPlugin::new(p))).collect())
}

impl Renderer {
    /// A renderer of `plugins` (their templates indexed) over `configs`.
    pub(crate) fn new(plugins: Vec<Plugin>, configs: ConfigTree) -> Renderer {
        Renderer::with_loaded(load(plugins), configs)
    }

    /// A renderer of plugins loaded already over `configs`.
    pub(crate) fn with_loaded(plugins: LoadedPlugins, configs: ConfigTree) -> Renderer {
        Renderer { plugins, configs, sealing: None }
    }

    /// The same renderer, encrypting device files with keys derived from
    /// `secret` (none: encryption off). See [`seal`].
    pub fn with_sealing(self, secret: Option<SealingSecret>) -> Renderer {
        Renderer { sealing: secret, ..self }
    }

    /// The loaded plugin `id`, if any.
    pub fn plugin(&self, id: &str) -> Option<&LoadedPlugin> {
        self.plugins.get(id)
    }

    /// Every loaded plugin, in no particular order.
    pub fn plugins(&self) -> impl Iterator<Item = &LoadedPlugin> {
        self.plugins.values()
    }

    /// The configs it renders with, and the base raw config.
    pub fn configs(&self) -> &ConfigTree {
        &self.configs
    }

    /// Everything short of rendering: the flattened raw config completed by
    /// the plugin's family (the template context) and, for each file, the
    /// template it renders from (first of `<file>.tpl`, `<model>.tpl`,
    /// `base.tpl`) or its literal bytes.
    pub fn prepare_device(&self, device: &Device) -> Result<Prepared<'_>, DeviceRender> {
        self.prepare(device, None).map_err(|e| match e {
            Early::Done(render) => render,
            Early::Unchanged(_) => unreachable!("no fingerprint asked for"),
        })
    }

    /// [`prepare_device`](Self::prepare_device); with `fingerprint`, the
    /// device's [input fingerprint](Self::input_fingerprint) is stored
    /// there, from the config lookup and parse the render uses, and
    /// preparing stops if it equals `previous`.
    fn prepare(&self, device: &Device, fingerprint: Option<FingerprintCheck<'_>>) -> Result<Prepared<'_>, Early> {
        let done = |r| Early::Done(r);
        let Some(plugin_id) = device.plugin.as_deref() else {
            return Err(done(DeviceRender::Unconfigured(Unconfigured::NoPlugin)));
        };
        let Some(config_id) = device.config.as_deref() else {
            return Err(done(DeviceRender::Unconfigured(Unconfigured::NoConfig)));
        };
        let Some(lp) = self.plugins.get(plugin_id) else {
            return Err(done(DeviceRender::Unconfigured(Unconfigured::PluginNotInstalled(plugin_id.to_owned()))));
        };
        let resolved = match self.configs.resolve(config_id) {
            Ok(Some(r)) => r,
            Ok(None) => {
                return Err(done(DeviceRender::Unconfigured(Unconfigured::ConfigNotFound(config_id.to_owned()))));
            }
            Err(e) => return Err(done(DeviceRender::Failed(e.to_string()))),
        };
        if let Some(check) = fingerprint {
            let fp = fingerprint_of(lp, &resolved.fingerprint(), device, self.sealing.as_ref());
            *check.out = Some(fp);
            if check.previous == Some(&fp) {
                return Err(Early::Unchanged(fp));
            }
        }
        let mut raw = resolved.flatten().map_err(|e| done(DeviceRender::Failed(e.to_string())))?;
        raw_config::validate(&raw)
            .map_err(|e| done(DeviceRender::Failed(format!("raw config of {config_id}: {e}"))))?;
        apply_defaults(&mut raw);
        let prepared = self.prepare_files(device, lp, raw).map_err(done)?;
        Ok(prepared)
    }

    fn prepare_files<'r>(
        &'r self,
        device: &Device,
        lp: &'r LoadedPlugin,
        mut raw: Map,
    ) -> Result<Prepared<'r>, DeviceRender> {
        let plugin_id = lp.plugin.id.as_str();
        let files = lp.plugin.family.configure(&lp.plugin, device, &mut raw).map_err(|e| match e {
            ConfigureError::MissingDeviceField(field) => {
                DeviceRender::Unconfigured(Unconfigured::MissingDeviceField(field))
            }
            e => DeviceRender::Failed(format!("plugin {plugin_id}: {e}")),
        })?;
        let mut prepared = Vec::with_capacity(files.len());
        for file in files {
            let source = match file.source {
                FileSource::Bytes(b) => PreparedSource::Bytes(b),
                ref source => {
                    let device_tpl = format!("{}.tpl", file.basename());
                    let model_tpl = device.model.as_deref().map(|m| format!("{m}.tpl"));
                    let candidates: Vec<&str> = match source {
                        FileSource::Template(name) => vec![&device_tpl, name],
                        _ => [Some(device_tpl.as_str()), model_tpl.as_deref(), Some("base.tpl")]
                            .into_iter()
                            .flatten()
                            .collect(),
                    };
                    match lp.templates.first_existing(&candidates) {
                        Some(name) => PreparedSource::Template(name.to_owned()),
                        None => {
                            return Err(DeviceRender::Failed(format!(
                                "plugin {plugin_id}: no template for {} (looked for {})",
                                file.path,
                                candidates.join(", ")
                            )));
                        }
                    }
                }
            };
            prepared.push(PreparedFile { path: file.path, source });
        }
        let sealing = match (&self.sealing, lp.plugin.family.file_cipher(), device.mac) {
            (Some(secret), Some(cipher), Some(mac)) => {
                let key = secret.device_key(cipher, mac);
                raw.insert("XX_config_key".into(), key.clone().into());
                Some((cipher, key))
            }
            _ => None,
        };
        Ok(Prepared { plugin: lp, context: raw, files: prepared, sealing })
    }

    /// A fingerprint of every input of [`render_device`](Self::render_device)
    /// for `device`: provd's code, the plugin (info and templates), the
    /// device's fields (all but `configured`, which compiles set) and its
    /// flattened config's makings. Equal fingerprints render equal files.
    /// `None` when the device would not render (no plugin, no config, ...).
    ///
    /// Not covered: the system's time zone database, which some families
    /// read (`provd-compile --force` renders everything after a tzdata update).
    pub fn input_fingerprint(&self, device: &Device) -> Option<[u8; 32]> {
        let lp = self.plugins.get(device.plugin.as_deref()?)?;
        let config = self.configs.fingerprint(device.config.as_deref()?).ok()??;
        Some(fingerprint_of(lp, &config, device, self.sealing.as_ref()))
    }

    /// The device's files, or why it has none.
    pub fn render_device(&self, device: &Device) -> DeviceRender {
        match self.prepare_device(device) {
            Ok(p) => self.render_prepared(p),
            Err(outcome) => outcome,
        }
    }

    /// [`render_device`](Self::render_device) unless the device's input
    /// fingerprint equals `previous`, computed on the way (the config is
    /// looked up and parsed once for both).
    pub(crate) fn render_unless_unchanged(&self, device: &Device, previous: Option<&[u8; 32]>) -> Fingerprinted {
        let mut out = None;
        match self.prepare(device, Some(FingerprintCheck { previous, out: &mut out })) {
            Ok(p) => Fingerprinted::Rendered(self.render_prepared(p), out),
            Err(Early::Done(render)) => Fingerprinted::Rendered(render, out),
            Err(Early::Unchanged(fp)) => Fingerprinted::Unchanged(fp),
        }
    }

    fn render_prepared(&self, prepared: Prepared<'_>) -> DeviceRender {
        let plugin_id = prepared.plugin.plugin.id.as_str();
        let family = &prepared.plugin.plugin.family;
        let markup = family.markup_keys();
        let ctx = crate::render::context::context_with_markup(prepared.context, markup);
        let mut out = Vec::with_capacity(prepared.files.len());
        let mut sealed = Vec::new();
        for file in prepared.files {
            let bytes = match file.source {
                PreparedSource::Bytes(b) => b,
                PreparedSource::Template(name) => match prepared.plugin.templates.render(&name, &ctx) {
                    Ok(s) => encode(&prepared.plugin.plugin, s),
                    Err(e) => return DeviceRender::Failed(format!("template {e}")),
                },
            };
            if let Some((cipher, key)) = &prepared.sealing {
                let basename = file.path.rsplit('/').next().unwrap_or(&file.path);
                if family.is_sensitive(basename.as_bytes()) {
                    let bytes = seal::seal(*cipher, key, &bytes);
                    let hash = *blake3::hash(&bytes).as_bytes();
                    sealed.push(RenderedFile { key: sealed_route_key(plugin_id, &file.path), bytes, hash });
                }
            }
            out.push(RenderedFile::new(plugin_id, &file.path, bytes));
        }
        out.extend(sealed);
        DeviceRender::Configured { plugin: plugin_id.to_owned(), files: out }
    }

    /// A plugin's shared files: its static `var/tftpboot` tree and the
    /// common files its family renders from the base raw config.
    pub fn plugin_files(&self, plugin_id: &str) -> Result<Vec<RenderedFile>, PluginFilesError> {
        self.plugin_files_reporting(plugin_id).map(|(files, _)| files)
    }

    /// [`plugin_files`](Self::plugin_files), and the paths of the static
    /// tree that were skipped (see [`crate::render::tree`]), each with why.
    pub(crate) fn plugin_files_reporting(
        &self,
        plugin_id: &str,
    ) -> Result<(Vec<RenderedFile>, Vec<String>), PluginFilesError> {
        let plugin = || plugin_id.to_owned();
        let lp = self.plugins.get(plugin_id).ok_or_else(|| PluginFilesError::NotInstalled(plugin()))?;
        let (mut out, skipped) = static_files(&lp.plugin.tftpboot_dir(), plugin_id)
            .map_err(|source| PluginFilesError::Static { plugin: plugin(), source })?;
        let commons = lp
            .plugin
            .family
            .common_files(&lp.plugin, self.configs.base_raw_config())
            .map_err(|source| PluginFilesError::Configure { plugin: plugin(), source })?;
        for c in commons {
            let ctx = crate::render::context::context_with_markup(c.context, lp.plugin.family.markup_keys());
            let s = lp.templates.render(&c.template, &ctx)?;
            out.retain(|f: &RenderedFile| f.key != route_key(plugin_id, &c.path));
            out.push(RenderedFile::new(plugin_id, &c.path, encode(&lp.plugin, s)));
        }
        Ok((out, skipped))
    }
}

/// Why a plugin's shared files could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PluginFilesError {
    /// No plugin of this id is loaded.
    #[error("plugin {0} is not installed")]
    NotInstalled(String),
    /// Its `var/tftpboot` tree could not be read.
    #[error("plugin {plugin}: {source}")]
    Static {
        /// The plugin's id.
        plugin: String,
        /// The read that failed, naming the path.
        source: std::io::Error,
    },
    /// Its family could not make the common files from the base raw config.
    #[error("plugin {plugin}: {source}")]
    Configure {
        /// The plugin's id.
        plugin: String,
        /// The family's error.
        source: ConfigureError,
    },
    /// A common file's template failed to render.
    #[error("template {0}")]
    Template(#[from] templates::RenderError),
}

/// What [`Renderer::render_unless_unchanged`] did.
pub(crate) enum Fingerprinted {
    /// The device's inputs have the fingerprint given as unchanged.
    Unchanged([u8; 32]),
    /// Rendered (or found unconfigured, or failed), with the input
    /// fingerprint when the device has one.
    Rendered(DeviceRender, Option<[u8; 32]>),
}

enum Early {
    Done(DeviceRender),
    Unchanged([u8; 32]),
}

struct FingerprintCheck<'a> {
    previous: Option<&'a [u8; 32]>,
    out: &'a mut Option<[u8; 32]>,
}

fn fingerprint_of(lp: &LoadedPlugin, config: &[u8; 32], device: &Device, sealing: Option<&SealingSecret>) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(CODE_ID.as_bytes()).update(lp.digest()).update(config);
    if let Some(secret) = sealing {
        h.update(&secret.fingerprint());
    }
    hash_device(&mut h, device);
    *h.finalize().as_bytes()
}

/// Feeds every field of `d` but `configured` to `h`. No `..` below: a new
/// device field fails to compile until it is hashed here.
fn hash_device(h: &mut blake3::Hasher, d: &Device) {
    let Device {
        id,
        mac,
        ip,
        sn,
        uuid,
        vendor,
        model,
        version,
        plugin,
        config,
        configured: _,
        added,
        options,
        description,
        tenant_uuid,
        is_new,
        remote_state_sip_username,
        extra,
    } = d;
    fn text(h: &mut blake3::Hasher, s: Option<&str>) {
        match s {
            Some(s) => h.update(&(s.len() as u64).to_le_bytes()).update(s.as_bytes()),
            None => h.update(&u64::MAX.to_le_bytes()),
        };
    }
    text(h, Some(id));
    h.update(&mac.map(|m| m.0).map_or([0xff; 7], |m| [0, m[0], m[1], m[2], m[3], m[4], m[5]]));
    for s in [ip, sn, uuid, vendor, model, version, plugin, config, added, description, tenant_uuid] {
        text(h, s.as_deref());
    }
    text(h, remote_state_sip_username.as_deref());
    h.update(&[is_new.map_or(2, u8::from)]);
    serde_json::to_writer(&mut *h, options).expect("JSON values serialize");
    serde_json::to_writer(&mut *h, extra).expect("JSON values serialize");
}

/// The bytes of a rendered file in the plugin's encoding (`plugin-info`
/// `"encoding"`): UTF-8 by default; `iso-8859-1` for phones that read
/// Latin-1 (old Linksys/Cisco SPA), characters it lacks become `?` as in
/// wazo-provd (`errors='replace'`).
fn encode(plugin: &Plugin, text: String) -> Vec<u8> {
    match plugin.info.extra.get("encoding").and_then(|e| e.as_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("iso-8859-1" | "latin-1" | "latin1") => {
            text.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect()
        }
        _ => text.into_bytes(),
    }
}

/// The files of a plugin's static tree, walked without following links to
/// directories or out of it (see [`crate::render::tree`]), and what was skipped.
fn static_files(root: &Path, plugin: &str) -> std::io::Result<(Vec<RenderedFile>, Vec<String>)> {
    let tree = crate::render::tree::walk(root);
    if let Some(e) = tree.unreadable.first() {
        // Not taken for an empty tree: that would stop serving its files.
        return Err(std::io::Error::other(format!("cannot read {e}")));
    }
    let mut out = Vec::with_capacity(tree.files.len());
    for (rel, path) in tree.files {
        let bytes =
            std::fs::read(&path).map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        out.push(RenderedFile::new(plugin, &rel, bytes));
    }
    Ok((out, tree.skipped))
}
