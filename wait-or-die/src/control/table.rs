//! Every override made, in two layers (the configuration file's and the run-time API's), and
//! putting the settings they add up to in force on the sites.
//!
//! A site's settings are the file's with the API's laid over them, field by field; a kill switch
//! of either layer, for the site or for all sites, holds. Changes are made under one lock, which
//! calls never take: they read the pointer each site holds.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::control::error::ControlError;
use crate::control::settings::Override;
use crate::site::{self, Site, SiteControl};

use crate::suggest::did_you_mean;

/// Who made an override.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layer {
    /// The run-time API ([`control::set`](crate::control::set) and the kill switches).
    Api,
    /// The configuration file, replaced whole on each reload.
    #[cfg_attr(not(feature = "config"), allow(dead_code))]
    File,
}

#[derive(Debug, Default)]
pub(crate) struct Table {
    api: BTreeMap<String, Override>,
    file: BTreeMap<String, Override>,
    api_all_off: bool,
    file_all_off: bool,
    /// Every set of settings put in force so far, shared by equal settings.
    made: Vec<&'static SiteControl>,
}

static TABLE: Mutex<Table> = Mutex::new(Table {
    api: BTreeMap::new(),
    file: BTreeMap::new(),
    api_all_off: false,
    file_all_off: false,
    made: Vec::new(),
});

impl Table {
    pub(crate) fn lock() -> MutexGuard<'static, Table> {
        TABLE.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn layer_mut(&mut self, layer: Layer) -> &mut BTreeMap<String, Override> {
        match layer {
            Layer::Api => &mut self.api,
            Layer::File => &mut self.file,
        }
    }

    /// The settings both layers make for `name`, without the kill switch for all sites.
    pub(crate) fn settings(&self, name: &str) -> Option<Override> {
        match (self.file.get(name), self.api.get(name)) {
            (None, None) => None,
            (Some(one), None) | (None, Some(one)) => Some(one.clone()),
            (Some(file), Some(api)) => Some(file.overlaid_by(api)),
        }
    }

    /// Whether the kill switch for all sites is engaged, by either layer.
    pub(crate) fn all_off(&self) -> bool {
        self.api_all_off || self.file_all_off
    }

    pub(crate) fn origin(&self, name: &str) -> (bool, bool) {
        (self.file.contains_key(name), self.api.contains_key(name))
    }

    /// What `name`'s calls run under: its settings, with the kill switch for all sites.
    pub(crate) fn in_force(&self, name: &str) -> Option<Override> {
        let settings = self.settings(name).unwrap_or_default();
        let settings = if self.all_off() {
            settings.retries_off()
        } else {
            settings
        };
        (!settings.is_empty()).then_some(settings)
    }

    /// Checks that `settings` for `name` in `layer`, with the other layer, make a valid policy
    /// for every site of that name.
    pub(crate) fn check(
        &self,
        layer: Layer,
        name: &str,
        settings: &Override,
    ) -> Result<(), ControlError> {
        let sites = registered(name)?;
        let other = match layer {
            Layer::Api => self.file.get(name),
            Layer::File => self.api.get(name),
        };
        let combined = match (layer, other) {
            (_, None) => settings.clone(),
            (Layer::Api, Some(file)) => file.overlaid_by(settings),
            (Layer::File, Some(api)) => settings.overlaid_by(api),
        };
        sites
            .iter()
            .try_for_each(|site| combined.check(name, site.policy()))
    }

    /// Replaces `name`'s override in `layer` (`None` removes it) and puts the result in force.
    pub(crate) fn put(&mut self, layer: Layer, name: &str, settings: Option<Override>) {
        match settings.filter(|s| !s.is_empty()) {
            Some(settings) => self.layer_mut(layer).insert(name.to_owned(), settings),
            None => self.layer_mut(layer).remove(name),
        };
        self.publish(name);
    }

    /// The override `layer` holds for `name`.
    pub(crate) fn get(&mut self, layer: Layer, name: &str) -> Option<Override> {
        self.layer_mut(layer).get(name).cloned()
    }

    /// Replaces a whole layer and its kill switch for all sites, and puts the result in force.
    pub(crate) fn replace(
        &mut self,
        layer: Layer,
        sites: BTreeMap<String, Override>,
        all_off: bool,
    ) {
        *self.layer_mut(layer) = sites;
        match layer {
            Layer::Api => self.api_all_off = all_off,
            Layer::File => self.file_all_off = all_off,
        }
        self.publish_all();
    }

    /// Engages or releases `layer`'s kill switch for all sites.
    pub(crate) fn set_all_off(&mut self, layer: Layer, off: bool) {
        match layer {
            Layer::Api => self.api_all_off = off,
            Layer::File => self.file_all_off = off,
        }
        self.publish_all();
    }

    /// Puts `name`'s settings in force on every site of that name.
    fn publish(&mut self, name: &str) {
        let control = self.in_force(name).map(|settings| self.made_for(settings));
        for site in site::sites().filter(|s| s.name() == name) {
            site.set_control(control);
        }
    }

    fn publish_all(&mut self) {
        for site in site::sites() {
            let control = self.in_force(site.name()).map(|s| self.made_for(s));
            site.set_control(control);
        }
    }

    /// Puts the settings in force for `site`'s name on `site`, made at run time and not listed
    /// yet, then lists it with `list`: under the table's lock, so no change falls between.
    pub(crate) fn adopt(&mut self, site: &'static Site, list: &mut dyn FnMut()) {
        let control = self.in_force(site.name()).map(|s| self.made_for(s));
        site.set_control(control);
        list();
    }

    /// The control for `settings`: the one made before for equal settings, or a new one.
    fn made_for(&mut self, settings: Override) -> &'static SiteControl {
        if let Some(made) = self.made.iter().find(|c| c.settings == settings) {
            return made;
        }
        let made = SiteControl::leak(settings);
        self.made.push(made);
        made
    }

    /// Every name with an override in either layer.
    pub(crate) fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.file.keys().chain(self.api.keys()).cloned().collect();
        names.sort();
        names.dedup();
        names
    }
}

/// The registered sites called `name`; an error naming the closest one if there is none.
pub(crate) fn registered(name: &str) -> Result<Vec<&'static Site>, ControlError> {
    let sites: Vec<&'static Site> = site::sites().filter(|s| s.name() == name).collect();
    if sites.is_empty() {
        return Err(ControlError::UnknownSite {
            name: name.to_owned(),
            suggestion: did_you_mean(name, site::sites().map(Site::name)),
        });
    }
    Ok(sites)
}
