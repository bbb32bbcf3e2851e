//! Operations in progress (exchanges, STS calls, verifications), kept in the
//! instance between the calls that drive them and named by a small handle.

pub struct Slots<T>(Vec<Option<T>>);

impl<T> Slots<T> {
    pub const fn new() -> Self {
        Slots(Vec::new())
    }

    /// Stores `value` in the first free slot; returns its handle.
    pub fn insert(&mut self, value: T) -> usize {
        match self.0.iter().position(Option::is_none) {
            Some(free) => {
                self.0[free] = Some(value);
                free
            }
            None => {
                self.0.push(Some(value));
                self.0.len() - 1
            }
        }
    }

    // Not used by the `verify` build.
    #[cfg_attr(not(any(feature = "token", feature = "oidc")), allow(dead_code))]
    pub fn get_mut(&mut self, handle: u32) -> Option<&mut T> {
        self.0.get_mut(handle as usize).and_then(Option::as_mut)
    }

    pub fn take(&mut self, handle: u32) -> Option<T> {
        self.0.get_mut(handle as usize).and_then(Option::take)
    }
}
